"""The #StopTheCrackdownVN coalition of the demo: Vietnamese and international groups that
campaigned together from 2017 for bloggers and activists jailed in Viet Nam.

The texts were written for this project from public facts of the cases. They describe the
cases as they stood at the end of 2017, when the campaign began; the member groups are made
up for the demo. No photos: the pages show a plain placeholder instead.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..petitions.models import (
    CaseStatus,
    Organisation,
    Petition,
    PetitionSponsor,
    PetitionStatus,
    PetitionText,
    Recipient,
)
from ..staff.service import ensure_membership
from ..types import utcnow
from .rows import ensure_organisation

COALITION: dict[str, Any] = {
    "slug": "stopthecrackdownvn",
    "name": "#StopTheCrackdownVN (demo)",
    "website": "https://example.org/stopthecrackdownvn",
    "description": """\
Ngưng Ngay Đàn Áp: Vietnamese and international groups campaigning together against the wave \
of arrests of peaceful bloggers and activists in Viet Nam that began in 2017, for freedom of \
expression and of information, and for the release of every prisoner of conscience.

The cases below are shown as they stood at the end of 2017, when the campaign began. \
(Demo data written for this project.)""",
}

MEMBERS = [
    {
        "slug": "demo-bloggers-defence",
        "name": "Bloggers' Defence Network (demo)",
        "description": "Supports Vietnamese bloggers who are arrested, and their families.",
    },
    {
        "slug": "demo-letter-circle",
        "name": "Free Expression Letter Circle (demo)",
        "description": "Volunteers in the diaspora who write to officials for jailed writers.",
    },
]

GENERAL_SECRETARY: dict[str, Any] = {
    "name": "Nguyễn Phú Trọng",
    "title": "General Secretary of the Communist Party of Viet Nam",
    "salutation": "Kính gửi Tổng Bí thư,",
    "postal_address": "Văn phòng Trung ương Đảng\nHà Nội\nViệt Nam",
    "language": "vi",
}

MINISTER: dict[str, Any] = {
    "name": "Tô Lâm",
    "title": "Minister of Public Security",
    "salutation": "Kính gửi Bộ trưởng,",
    "postal_address": "Bộ Công an\nHà Nội\nViệt Nam",
    "language": "vi",
}

PETITIONS: list[dict[str, Any]] = [
    {
        "slug": "free-nguyen-van-oai",
        "owner": COALITION["slug"],
        "sponsors": ["demo-bloggers-defence", "demo-letter-circle"],
        "person_name": "Nguyễn Văn Oai",
        "case_status": CaseStatus.SENTENCED,
        "detained_on": date(2017, 1, 19),
        "sentenced_on": date(2017, 9, 18),
        "goal": 5000,
        "en": {
            "title": "Free Nguyễn Văn Oai, jailed again for his activism",
            "summary": (
                "A Catholic activist from Nghệ An who had already served four years for his "
                "peaceful work was arrested again in January 2017 and sentenced to five more."
            ),
            "story": """\
Nguyễn Văn Oai is a Catholic social activist from Nghệ An province. In 2013 he was one of more \
than a dozen young Catholic and pro-democracy activists tried together and sent to prison; he \
served four years and came out in 2015 to a period of probation.

In January 2017 the police arrested him again, accusing him of breaking the terms of his \
probation and of resisting officers on duty. In September 2017 a court in Nghệ An sentenced him \
to five years in prison, to be followed by four years of probation.

His real offence is that he kept speaking up about land rights, the environment and the rights \
of his community. The members of #StopTheCrackdownVN ask for his release.""",
            "letter_body": """\
I am writing to ask for the immediate and unconditional release of Nguyễn Văn Oai. He is being \
punished for peaceful activism, which the right to freedom of expression that Viet Nam has \
undertaken to respect protects.

Until he is released, please make sure that he is not ill-treated, that he can see his family \
and a lawyer of his choice regularly, and that he receives any medical care he needs.""",
            "letter_closing": "Yours sincerely,",
        },
        "vi": {
            "title": "Trả tự do cho Nguyễn Văn Oai, người lại bị bỏ tù vì hoạt động ôn hòa",
            "summary": (
                "Một nhà hoạt động Công giáo ở Nghệ An, từng thụ án bốn năm tù vì hoạt động ôn "
                "hòa, lại bị bắt vào tháng 1 năm 2017 và bị kết án thêm năm năm."
            ),
            "story": """\
Nguyễn Văn Oai là một nhà hoạt động xã hội Công giáo ở tỉnh Nghệ An. Năm 2013, anh là một \
trong hơn mười thanh niên Công giáo và nhà hoạt động dân chủ bị đưa ra xét xử cùng lúc và bị \
bỏ tù; anh thụ án bốn năm và ra tù năm 2015, rồi tiếp tục chịu quản chế.

Tháng 1 năm 2017, công an lại bắt anh, cáo buộc anh vi phạm quy định quản chế và chống người \
thi hành công vụ. Tháng 9 năm 2017, tòa án ở Nghệ An tuyên phạt anh năm năm tù giam và bốn \
năm quản chế.

Tội thật sự của anh là tiếp tục lên tiếng về quyền đất đai, môi trường và quyền của cộng đồng \
mình. Các thành viên của #StopTheCrackdownVN yêu cầu trả tự do cho anh.""",
            "letter_body": """\
Tôi viết thư này để đề nghị trả tự do ngay lập tức và vô điều kiện cho ông Nguyễn Văn Oai. \
Ông đang bị trừng phạt vì hoạt động ôn hòa của mình, vốn được bảo vệ bởi quyền tự do biểu đạt \
mà Việt Nam đã cam kết tôn trọng.

Trong thời gian chờ được trả tự do, xin bảo đảm rằng ông không bị ngược đãi, được thường xuyên \
gặp gia đình và luật sư do ông tự chọn, và được chăm sóc y tế khi cần.""",
            "letter_closing": "Trân trọng,",
        },
    },
    {
        "slug": "free-nguyen-ngoc-nhu-quynh",
        "owner": "demo-bloggers-defence",
        "sponsors": [COALITION["slug"], "demo-letter-circle"],
        "person_name": "Nguyễn Ngọc Như Quỳnh",
        "case_status": CaseStatus.SENTENCED,
        "detained_on": date(2016, 10, 10),
        "sentenced_on": date(2017, 6, 29),
        "goal": 5000,
        "en": {
            "title": "Free Nguyễn Ngọc Như Quỳnh, the blogger Mẹ Nấm",
            "summary": (
                "A mother of two and one of Viet Nam's best-known bloggers was sentenced to ten "
                "years in prison for what she wrote online."
            ),
            "story": """\
Nguyễn Ngọc Như Quỳnh, who writes as Mẹ Nấm ("Mother Mushroom"), is a blogger from Nha Trang \
and the mother of two young children. For years she wrote about police violence, deaths in \
custody, land seizures and the poisoning of the sea off the central coast, and she helped found \
a network of independent Vietnamese bloggers.

She was arrested in October 2016 and charged with "propaganda against the state" under Article \
88 of the Penal Code. In June 2017 a court in Khánh Hòa sentenced her to ten years in prison, \
and an appeal court upheld the sentence in November 2017.

Writing a blog is not a crime. The members of #StopTheCrackdownVN ask for her release.""",
            "letter_body": """\
I am writing to ask you to release Nguyễn Ngọc Như Quỳnh immediately and unconditionally. She \
is a prisoner of conscience, imprisoned for nothing more than expressing her views peacefully \
online.

Until she is free, please ensure that she is held in humane conditions, that she can see her \
children, her family and her lawyer regularly, and that she receives the medical care she needs.

I also urge you to repeal or amend the vaguely worded national security provisions of the Penal \
Code, such as Article 88, that are used to imprison peaceful critics.""",
            "letter_closing": "Yours sincerely,",
        },
        "vi": {
            "title": "Trả tự do cho Nguyễn Ngọc Như Quỳnh, blogger Mẹ Nấm",
            "summary": (
                "Một người mẹ của hai con, một trong những blogger được biết đến nhiều nhất Việt "
                "Nam, bị kết án mười năm tù vì những gì chị viết trên mạng."
            ),
            "story": """\
Nguyễn Ngọc Như Quỳnh, bút danh Mẹ Nấm, là một blogger ở Nha Trang và là mẹ của hai con nhỏ. \
Nhiều năm liền chị viết về bạo lực của công an, những cái chết trong đồn, nạn cưỡng chiếm đất \
đai và thảm họa ô nhiễm biển miền Trung, và chị đã góp phần lập nên một mạng lưới các blogger \
độc lập Việt Nam.

Chị bị bắt vào tháng 10 năm 2016 và bị truy tố tội "tuyên truyền chống Nhà nước" theo Điều 88 \
Bộ luật Hình sự. Tháng 6 năm 2017, tòa án tỉnh Khánh Hòa tuyên phạt chị mười năm tù, và tòa \
phúc thẩm giữ nguyên bản án vào tháng 11 năm 2017.

Viết blog không phải là tội. Các thành viên của #StopTheCrackdownVN yêu cầu trả tự do cho chị.""",
            "letter_body": """\
Tôi viết thư này để đề nghị trả tự do ngay lập tức và vô điều kiện cho bà Nguyễn Ngọc Như \
Quỳnh. Bà là một tù nhân lương tâm, bị bỏ tù chỉ vì đã bày tỏ quan điểm một cách ôn hòa trên \
mạng.

Trong thời gian chờ được trả tự do, xin bảo đảm rằng bà được giam giữ trong điều kiện nhân đạo, \
được thường xuyên gặp các con, gia đình và luật sư, và được chăm sóc y tế khi cần.

Tôi cũng kêu gọi bãi bỏ hoặc sửa đổi các điều khoản an ninh quốc gia mơ hồ trong Bộ luật Hình \
sự, như Điều 88, vốn bị dùng để bỏ tù những người phê bình ôn hòa.""",
            "letter_closing": "Trân trọng,",
        },
    },
    {
        "slug": "free-nguyen-van-dai",
        "owner": "demo-letter-circle",
        "sponsors": [COALITION["slug"], "demo-bloggers-defence"],
        "person_name": "Nguyễn Văn Đài",
        "case_status": CaseStatus.DETAINED,
        "detained_on": date(2015, 12, 16),
        "goal": 5000,
        "en": {
            "title": "Free Nguyễn Văn Đài, a human rights lawyer held without trial",
            "summary": (
                "A human rights lawyer arrested in December 2015 has spent almost two years in "
                "detention without trial and without seeing his family."
            ),
            "story": """\
Nguyễn Văn Đài is a human rights lawyer from Hà Nội and one of the country's best-known \
bloggers. He has already served four years in prison, followed by four years of house arrest, \
for defending human rights and calling for democratic reform.

In December 2015, days after a group of men beat him following a talk he gave on human rights, \
the police arrested him together with his colleague Lê Thu Hà. He was charged under Article 88 \
of the Penal Code, and later under the heavier Article 79 ("activities aimed at overthrowing \
the people's administration"). For almost two years he has been held without trial, and his \
family has not been allowed to see him.

The members of #StopTheCrackdownVN ask for his release.""",
            "letter_body": """\
I am writing to ask you to release Nguyễn Văn Đài immediately and unconditionally. He is held \
only for his peaceful work for human rights.

Until he is released, please allow his family and a lawyer of his choice to visit him \
regularly, and ensure that he is protected from torture and any other ill-treatment.""",
            "letter_closing": "Yours sincerely,",
        },
        "vi": {
            "title": "Trả tự do cho luật sư nhân quyền Nguyễn Văn Đài, người bị giam không xét xử",
            "summary": (
                "Một luật sư nhân quyền bị bắt vào tháng 12 năm 2015 đã bị giam gần hai năm mà "
                "không được xét xử và không được gặp gia đình."
            ),
            "story": """\
Nguyễn Văn Đài là một luật sư nhân quyền ở Hà Nội và là một trong những blogger được biết đến \
nhiều nhất trong nước. Ông từng chịu bốn năm tù giam và bốn năm quản chế vì bảo vệ nhân quyền \
và kêu gọi cải cách dân chủ.

Tháng 12 năm 2015, chỉ vài ngày sau khi bị một nhóm người đánh đập sau một buổi nói chuyện về \
nhân quyền, ông bị công an bắt cùng với đồng nghiệp Lê Thu Hà. Ông bị khởi tố theo Điều 88 Bộ \
luật Hình sự, sau đó theo Điều 79 với khung hình phạt nặng hơn ("hoạt động nhằm lật đổ chính \
quyền nhân dân"). Gần hai năm nay ông bị giam mà không được đưa ra xét xử, và gia đình không \
được phép gặp ông.

Các thành viên của #StopTheCrackdownVN yêu cầu trả tự do cho ông.""",
            "letter_body": """\
Tôi viết thư này để đề nghị trả tự do ngay lập tức và vô điều kiện cho ông Nguyễn Văn Đài. Ông \
bị giam giữ chỉ vì những hoạt động ôn hòa bảo vệ nhân quyền.

Trong thời gian chờ được trả tự do, xin cho phép gia đình và luật sư do ông tự chọn được thường \
xuyên thăm gặp ông, và bảo đảm rằng ông được bảo vệ khỏi tra tấn và mọi hình thức đối xử tệ \
bạc khác.""",
            "letter_closing": "Trân trọng,",
        },
    },
]

CASE_FIELDS = ("person_name", "case_status", "detained_on", "trial_on", "sentenced_on",
               "released_on")  # fmt: skip


def ensure_coalition() -> Organisation:
    """The coalition, its two members and their three co-sponsored open petitions; what
    exists already is left as it is (staff may have edited it)."""
    coalition = ensure_organisation(COALITION)
    by_slug = {coalition.slug: coalition}
    for member_spec in MEMBERS:
        member = ensure_organisation(member_spec)
        ensure_membership(coalition, member)
        by_slug[member.slug] = member
    for spec in PETITIONS:
        if db.session.scalar(select(Petition.id).where(Petition.slug == spec["slug"])):
            continue
        english = spec["en"]
        case = {field: spec[field] for field in CASE_FIELDS if field in spec}
        petition = Petition(
            organisation=by_slug[spec["owner"]],
            slug=spec["slug"],
            language="en",
            status=PetitionStatus.OPEN,
            goal=spec["goal"],
            allowed_origins=[],
            # Letters to Hà Nội: signers in Viet Nam are shown by initials unless they choose.
            protected_countries=["VN"],
            opens_at=utcnow() - timedelta(days=30),
            **english,
            **case,
        )
        petition.recipients = [
            Recipient(position=position, **recipient)
            for position, recipient in enumerate([GENERAL_SECRETARY, MINISTER])
        ]
        petition.translations = [PetitionText(language="vi", **spec["vi"])]
        petition.sponsorships = [
            PetitionSponsor(organisation=by_slug[slug], position=position)
            for position, slug in enumerate(spec["sponsors"])
        ]
        db.session.add(petition)
        db.session.flush()
    return coalition
