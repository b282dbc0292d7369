"""The demo's open petition in Vietnamese, written for this project (not a word-for-word
translation of the English), and its two Vietnamese officials, who read Vietnamese."""

from __future__ import annotations

from ..extensions import db
from ..petitions.models import Petition, PetitionText

OPEN_PETITION_VI = {
    "title": "Trả tự do cho Trần Thị Nga, người bị bỏ tù vì đã lên tiếng",
    "summary": (
        "Một người mẹ của hai con đang chịu án chín năm tù vì biểu tình ôn hòa, và đã bị đánh "
        "đập trong trại giam. Hãy cùng yêu cầu Chủ tịch nước và giám thị trại giam trả tự do và "
        "bảo đảm an toàn cho chị."
    ),
    "story": """\
Trần Thị Nga là mẹ của hai con nhỏ và là một người bảo vệ nhân quyền ở Việt Nam. Năm 2017, chị \
bị bắt vì đã ôn hòa phản đối thảm họa môi trường ở miền Trung: chất thải xả ra biển làm cá chết \
hàng trăm nghìn tấn và khiến hàng triệu người mất kế sinh nhai. Tòa án tuyên phạt chị chín năm \
tù giam và năm năm quản chế.

Tháng 8 năm 2018, một bạn tù đã đánh chị và dọa giết chị, trong một vụ tấn công nhiều khả năng \
do quản giáo sắp đặt. Từ đó, trại giam không cho gia đình vào thăm chị, chỉ nói rằng chị đã \
"không chấp hành nội quy trại giam".

Ở Đông Nam Á, ít nước nào bỏ tù nhiều nhà hoạt động ôn hòa như Việt Nam. Những tin tức về tra \
tấn, biệt giam kéo dài, giam giữ không cho liên lạc với bên ngoài, đánh đập và cố tình không \
chữa bệnh cho tù nhân vẫn liên tục được ghi nhận. Chừng nào còn trong tù, Trần Thị Nga vẫn còn \
gặp nguy hiểm.

Gia đình chị đang kêu gọi trả tự do cho chị. Hãy ký tên cùng họ.""",
    "letter_body": """\
Tôi viết thư này để đề nghị Quý vị trả tự do ngay lập tức và vô điều kiện cho bà Trần Thị Nga. \
Bà là một tù nhân lương tâm, bị giam giữ chỉ vì đã thực hiện quyền tự do biểu đạt và quyền hội \
họp ôn hòa của mình.

Trong thời gian chờ được trả tự do, xin bảo đảm rằng bà được bảo vệ khỏi tra tấn và mọi hình \
thức đối xử tệ bạc khác, và rằng các thông tin về vụ tấn công bà được điều tra một cách độc lập, \
khách quan, những người chịu trách nhiệm phải bị xử lý.

Tôi cũng đề nghị Quý vị chấm dứt việc chuyển trại giam như một hình thức trừng phạt, và bảo đảm \
để bà Trần Thị Nga được thường xuyên gặp gia đình và luật sư do bà tự chọn, cũng như được chăm \
sóc y tế khi cần.""",
    "letter_closing": "Trân trọng,",
}

# The officials of the open petition read Vietnamese: their copies of the letter, salutation
# included, are in it.
VIETNAMESE_SALUTATIONS = {
    "Nguyễn Phú Trọng": "Kính gửi Chủ tịch nước,",
    "Nguyễn Đình Ba": "Kính gửi ông Giám thị,",
}


def ensure_vietnamese(petition: Petition) -> None:
    """Add the Vietnamese texts once; at the same time its Vietnamese officials are set to
    read Vietnamese. An existing translation (perhaps edited by staff) is left alone."""
    if any(text.language == "vi" for text in petition.translations):
        return
    petition.translations.append(PetitionText(language="vi", **OPEN_PETITION_VI))
    for recipient in petition.recipients:
        if recipient.name in VIETNAMESE_SALUTATIONS:
            recipient.language = "vi"
            recipient.salutation = VIETNAMESE_SALUTATIONS[recipient.name]
    db.session.flush()
