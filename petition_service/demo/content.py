"""The demo campaign, written for this project from the facts of a real appeal for
Trần Thị Nga, a Vietnamese human rights defender (released in 2020)."""

from __future__ import annotations

from datetime import date

from ..petitions.models import CaseStatus

ORGANISATION = {
    "slug": "demo",
    "name": "Coalition for Prisoners of Conscience in Viet Nam (demo)",
    "website": "https://example.org/",
}

MEMBER_GROUPS = [
    {"slug": "demo-hanoi-volunteers", "name": "Hà Nội Volunteers for Free Expression (demo)"},
    {"slug": "demo-diaspora-network", "name": "Diaspora Letter-Writing Network (demo)"},
]

STAFF_EMAIL = "staff@demo.example.org"

PRESIDENT = {
    "name": "Nguyễn Phú Trọng",
    "title": "State President of the Socialist Republic of Viet Nam",
    "salutation": "Your Excellency,",
    "postal_address": "Office of the State President\nHà Nội\nViệt Nam",
    # Example addresses only (RFC 2606): the demo's deliveries go to instance/outbox/.
    "email": "office.president@example.org",
}

PRISON_DIRECTOR = {
    "name": "Nguyễn Đình Ba",
    "title": "Prison Director",
    "salutation": "Dear Director,",
    "postal_address": "Office of the Prison Director\nViệt Nam",
    "email": "prison.director@example.org",
}

OPEN_PETITION = {
    "slug": "free-tran-thi-nga",
    "title": "Free Trần Thị Nga, jailed for speaking up",
    "summary": (
        "A mother of two is serving nine years for peaceful protest, and was beaten in prison. "
        "Ask Viet Nam's President and her prison's director to set her free and keep her safe."
    ),
    "story": """\
Trần Thị Nga is a mother of two and a defender of human rights in Viet Nam. In 2017 she was \
arrested for protesting, peacefully, against a disaster on the central coast: waste poured into \
the sea killed fish by the hundreds of thousands of tons and left millions of people without a \
living. A court gave her nine years in prison, to be followed by five years of house arrest.

In August 2018 a fellow inmate beat her and threatened to kill her, an assault that prison guards \
very probably arranged. The guards have since stopped her family from visiting her, saying only \
that she did "not follow prison principles".

Few countries in Southeast Asia imprison as many peaceful activists as Viet Nam. Reports of \
torture, of people held incommunicado or alone for months, of beatings and of medical care \
withheld keep coming. As long as she stays behind bars, Trần Thị Nga is in danger.

Her family is asking for her freedom. Add your name to their call.""",
    "letter_body": """\
I am writing to ask you to release Trần Thị Nga at once and without conditions. She is a \
prisoner of conscience, held only because she used her rights to free expression and to \
peaceful assembly.

Until she is free, please make sure she is protected from torture and any other ill-treatment, \
and that the reports of the attack on her are investigated independently and impartially, with \
those responsible held to account.

I also ask you to stop using transfers between prisons as a punishment, and to ensure that \
Trần Thị Nga can see her family and a lawyer of her own choosing regularly, and receives any \
medical care she needs.""",
    "letter_closing": "Yours sincerely,",
    "goal": 10000,
    # A third of its signers live in Viet Nam, under the government the letter goes to.
    "protected_countries": ["VN"],
    "recipients": [PRESIDENT, PRISON_DIRECTOR],
    "case": {
        "person_name": "Trần Thị Nga",
        "case_status": CaseStatus.SENTENCED,
        "detained_on": date(2017, 1, 21),
        "sentenced_on": date(2017, 7, 25),
    },
}

VICTORY_PETITION = {
    "slug": "reunite-tran-thi-nga",
    "title": "Let Trần Thị Nga see her children",
    "summary": "Her family was barred from visiting her in prison. She is free now.",
    "story": """\
Prison guards punished Trần Thị Nga by banning visits from her family, without giving any real \
reason. Thousands of people wrote to ask that she be allowed to see her two children.""",
    "letter_body": """\
I ask you to end the ban on family visits imposed on Trần Thị Nga and to guarantee her regular \
contact with her children and her lawyer.""",
    "letter_closing": "Yours sincerely,",
    "goal": 5000,
    "update_message": (
        "Victory! Trần Thị Nga was released in January and now lives in the United States with "
        "her family. She thanked everyone who took action for her, and asked us to keep working "
        "for the many prisoners of conscience still held in Viet Nam."
    ),
    "recipients": [PRESIDENT],
    "case": {"person_name": "Trần Thị Nga", "case_status": CaseStatus.RELEASED},
}

DRAFT_PETITION = {
    "slug": "stop-the-crackdown",
    "title": "Stop the crackdown on Viet Nam's bloggers",
    "summary": "Draft: not yet public.",
    "story": "Bloggers and activists face long sentences under vague national security laws.",
    "letter_body": "Please release every blogger and activist jailed for peaceful expression.",
    "letter_closing": "Yours sincerely,",
    "goal": 20000,
    "recipients": [PRESIDENT],
}

# Synthetic signers: names as people really write them, diacritics included.
VIETNAMESE_FAMILY_NAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
VIETNAMESE_MIDDLE_NAMES = [
    "Văn",
    "Thị",
    "Đức",
    "Minh",
    "Thanh",
    "Ngọc",
    "Quang",
    "Hữu",
    "Thu",
    "Kim",
]
VIETNAMESE_GIVEN_NAMES = [
    "Anh",
    "Bình",
    "Châu",
    "Dũng",
    "Hà",
    "Hải",
    "Hằng",
    "Hiếu",
    "Hoa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Ngân",
    "Phong",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Thủy",
    "Trang",
    "Tuấn",
    "Việt",
    "Xuân",
    "Yến",
]
VIETNAMESE_PLACES = [
    ("Hà Nội", "VN"),
    ("Thành phố Hồ Chí Minh", "VN"),
    ("Đà Nẵng", "VN"),
    ("Huế", "VN"),
    ("Hải Phòng", "VN"),
    ("Cần Thơ", "VN"),
    ("Đà Lạt", "VN"),
    ("Vinh", "VN"),
    ("Westminster", "US"),
    ("San José", "US"),
    ("Houston", "US"),
    ("Sydney", "AU"),
    ("Paris", "FR"),
    ("Berlin", "DE"),
    ("Toronto", "CA"),
]
INTERNATIONAL_GIVEN_NAMES = [
    "Zoë",
    "Søren",
    "Łukasz",
    "José",
    "Siobhán",
    "François",
    "Ngozi",
    "Björn",
    "Agnieszka",
    "Chloé",
    "Mateus",
    "Ömer",
    "Ana",
    "Kwame",
    "Priya",
    "Jürgen",
    "Inès",
    "Aoife",
    "Tomáš",
    "Leilani",
]
INTERNATIONAL_FAMILY_NAMES = [
    "Müller",
    "Ólafsdóttir",
    "Wójcik",
    "García",
    "Ní Bhriain",
    "Lefèvre",
    "Okafor",
    "Nyström",
    "Kowalczyk",
    "Dubois",
    "Gonçalves",
    "Yılmaz",
    "Hernández",
    "Mensah",
    "Raman",
    "O'Brien",
    "Dvořák",
    "Ferreira",
    "Kaʻahanui",
    "van der Berg",
]
INTERNATIONAL_PLACES = [
    ("Berlin", "DE"),
    ("Reykjavík", "IS"),
    ("Kraków", "PL"),
    ("Sevilla", "ES"),
    ("Dublin", "IE"),
    ("Lyon", "FR"),
    ("Lagos", "NG"),
    ("Montréal", "CA"),
    ("Malmö", "SE"),
    ("Porto", "PT"),
    ("İstanbul", "TR"),
    ("São Paulo", "BR"),
    ("Accra", "GH"),
    ("Chennai", "IN"),
    ("Zürich", "CH"),
    ("Wellington", "NZ"),
    ("Brno", "CZ"),
    ("London", "GB"),
    ("Hilo", "US"),
    ("Utrecht", "NL"),
]

#: Signers writing in other scripts, each as (family names, given names, family name first,
#: separator, places): names as people of those countries write them, so batches and their
#: benchmarks exercise shaping, right-to-left text and every font of the letters' set.
ScriptNames = tuple[list[str], list[str], bool, str, list[tuple[str, str]]]
OTHER_SCRIPTS: dict[str, ScriptNames] = {
    "Greek": (["Παπαδοπούλου", "Νικολάου", "Γεωργίου"], ["Ελένη", "Γιώργος", "Μαρία"],
              False, " ", [("Αθήνα", "GR"), ("Θεσσαλονίκη", "GR")]),
    "Cyrillic": (["Иванова", "Шевченко", "Петров"], ["Анна", "Дмитрий", "Олена"],
                 False, " ", [("Москва", "RU"), ("Київ", "UA")]),
    "Armenian": (["Սարգսյան", "Պետրոսյան"], ["Արամ", "Անի", "Նարեկ"],
                 False, " ", [("Երևան", "AM")]),
    "Georgian": (["ბერიძე", "კაპანაძე"], ["ნინო", "გიორგი", "თამარ"],
                 False, " ", [("თბილისი", "GE"), ("ბათუმი", "GE")]),
    "Hebrew": (["כהן", "לוי", "מזרחי"], ["נועה", "דוד", "מיכל"],
               False, " ", [("תל אביב", "IL"), ("חיפה", "IL")]),
    "Arabic": (["حسن", "الخطيب", "منصور"], ["محمد", "فاطمة", "يوسف", "مريم"],
               False, " ", [("القاهرة", "EG"), ("عمّان", "JO"), ("تونس", "TN")]),
    "Persian": (["محمدی", "حسینی", "رضایی"], ["مهسا", "علیرضا", "نرگس"],
                False, " ", [("تهران", "IR"), ("شیراز", "IR")]),
    "Urdu": (["خان", "چوہدری", "قریشی"], ["عمران", "عائشہ", "بلال"],
             False, " ", [("لاہور", "PK"), ("کراچی", "PK")]),
    "Uyghur": (["توختى", "ئابدۇللا"], ["ئىلھام", "گۈلنار"],
               False, " ", [("ئۈرۈمچى", "CN"), ("قەشقەر", "CN")]),
    "Devanagari": (["शर्मा", "सिंह", "गुप्ता"], ["प्रिया", "राहुल", "अनीता"],
                   False, " ", [("दिल्ली", "IN"), ("काठमाडौं", "NP")]),
    "Bengali": (["চৌধুরী", "রায়"], ["সুমাইয়া", "অমিত"],
                False, " ", [("ঢাকা", "BD"), ("কলকাতা", "IN")]),
    "Gurmukhi": (["ਸਿੰਘ", "ਕੌਰ"], ["ਗੁਰਪ੍ਰੀਤ", "ਹਰਜੀਤ"], False, " ", [("ਅੰਮ੍ਰਿਤਸਰ", "IN")]),
    "Gujarati": (["પટેલ", "શાહ"], ["નરેન્દ્ર", "હેતલ"], False, " ", [("અમદાવાદ", "IN")]),
    "Tamil": (["முருகன்", "கிருஷ்ணன்"], ["அருண்", "கவிதா"],
              False, " ", [("சென்னை", "IN"), ("யாழ்ப்பாணம்", "LK")]),
    "Telugu": (["రెడ్డి", "నాయుడు"], ["లక్ష్మి", "వెంకటేశ్వర్లు"],
               False, " ", [("హైదరాబాద్", "IN")]),
    "Kannada": (["ಗೌಡ", "ರಾವ್"], ["ಕೃಷ್ಣ", "ಶ್ರುತಿ"], False, " ", [("ಬೆಂಗಳೂರು", "IN")]),
    "Malayalam": (["നായർ", "മേനോൻ"], ["അനിൽ", "ലക്ഷ്മി"], False, " ", [("കൊച്ചി", "IN")]),
    "Sinhala": (["පෙරේරා", "සිල්වා"], ["නිමල්", "කුමාරි"], False, " ", [("කොළඹ", "LK")]),
    "Thai": (["ใจดี", "ศรีสุข"], ["สมชาย", "สุดารัตน์", "อนันต์"],
             False, " ", [("กรุงเทพมหานคร", "TH"), ("เชียงใหม่", "TH")]),
    "Lao": (["ພົມມະຈັນ", "ແສງສະຫວ່າງ"], ["ສົມພອນ", "ບຸນມີ"], False, " ", [("ວຽງຈັນ", "LA")]),
    "Khmer": (["ចាន់", "សុខ"], ["សុខា", "ស្រីពៅ"], True, " ", [("ភ្នំពេញ", "KH")]),
    "Myanmar": (["ဝင်း", "ဆန်း"], ["အောင်", "သီတာ"], False, "", [("ရန်ကုန်", "MM")]),
    "Tibetan": (["རྒྱ་མཚོ", "དབང་མོ"], ["བསྟན་འཛིན་", "ཚེ་རིང་"], False, "", [("ལྷ་ས", "CN")]),
    "Ethiopic": (["ተሰማ", "ገብረ"], ["አበበ", "ሳባ"], False, " ", [("አዲስ አበባ", "ET")]),
    "Han (simplified)": (["王", "李", "张", "刘", "陈"], ["伟", "芳", "静", "磊"],
                         True, "", [("北京", "CN"), ("上海", "CN")]),
    "Han (traditional)": (["陳", "林", "黃"], ["志明", "淑芬", "家豪"],
                          True, "", [("臺北", "TW"), ("香港", "HK")]),
    "Japanese": (["佐藤", "鈴木", "田中"], ["さくら", "翔太", "美咲"],
                 True, " ", [("東京", "JP"), ("大阪", "JP")]),
    "Hangul": (["김", "이", "박"], ["민준", "서연", "지우"],
               True, "", [("서울", "KR"), ("부산", "KR")]),
}  # fmt: skip
