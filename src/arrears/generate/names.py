"""Personal names per country, with rough real frequencies, and the e-mail handles built on them.

Chinese names carry their pinyin so e-mail addresses look like real ones (`wang.xiaoming88@163.com`)
rather than random strings. All lookups are by NumPy index arrays into these tuples.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from arrears.generate._common import by_country, gather, pick

# (surname, pinyin, weight in %), weights roughly the 2020 census shares.
CN_SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("王", "wang", 7.1), ("李", "li", 7.0), ("张", "zhang", 6.7), ("刘", "liu", 5.4),
    ("陈", "chen", 4.5), ("杨", "yang", 3.1), ("黄", "huang", 2.2), ("赵", "zhao", 2.0),
    ("吴", "wu", 2.0), ("周", "zhou", 1.9), ("徐", "xu", 1.3), ("孙", "sun", 1.3),
    ("马", "ma", 1.1), ("朱", "zhu", 1.1), ("胡", "hu", 1.0), ("郭", "guo", 1.0),
    ("何", "he", 0.9), ("高", "gao", 0.9), ("林", "lin", 0.9), ("罗", "luo", 0.8),
    ("郑", "zheng", 0.8), ("梁", "liang", 0.7), ("谢", "xie", 0.6), ("宋", "song", 0.5),
    ("唐", "tang", 0.5), ("许", "xu", 0.5), ("韩", "han", 0.5), ("冯", "feng", 0.5),
    ("邓", "deng", 0.5), ("曹", "cao", 0.5), ("彭", "peng", 0.5), ("曾", "zeng", 0.4),
    ("肖", "xiao", 0.4), ("田", "tian", 0.4), ("董", "dong", 0.4), ("袁", "yuan", 0.4),
    ("潘", "pan", 0.3), ("于", "yu", 0.3), ("蒋", "jiang", 0.3), ("蔡", "cai", 0.3),
    ("余", "yu", 0.3), ("杜", "du", 0.3), ("叶", "ye", 0.3), ("程", "cheng", 0.3),
    ("苏", "su", 0.3), ("魏", "wei", 0.3), ("吕", "lv", 0.3), ("丁", "ding", 0.3),
    ("任", "ren", 0.3), ("沈", "shen", 0.3), ("姚", "yao", 0.2), ("卢", "lu", 0.2),
    ("姜", "jiang", 0.2), ("崔", "cui", 0.2), ("钟", "zhong", 0.2), ("谭", "tan", 0.2),
    ("陆", "lu", 0.2), ("汪", "wang", 0.2), ("范", "fan", 0.2), ("金", "jin", 0.2),
    ("石", "shi", 0.2), ("廖", "liao", 0.2), ("贾", "jia", 0.2), ("夏", "xia", 0.2),
    ("韦", "wei", 0.2), ("付", "fu", 0.2), ("方", "fang", 0.2), ("白", "bai", 0.2),
    ("邹", "zou", 0.2), ("孟", "meng", 0.2), ("熊", "xiong", 0.2), ("秦", "qin", 0.2),
    ("邱", "qiu", 0.2), ("江", "jiang", 0.2), ("尹", "yin", 0.2), ("薛", "xue", 0.2),
    ("闫", "yan", 0.2), ("段", "duan", 0.2), ("雷", "lei", 0.2), ("侯", "hou", 0.2),
    ("龙", "long", 0.2), ("史", "shi", 0.2), ("欧阳", "ouyang", 0.03), ("司马", "sima", 0.01),
)  # fmt: skip
CN_GIVEN: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"),
    ("建", "jian"), ("文", "wen"), ("辉", "hui"), ("玲", "ling"), ("婷", "ting"), ("鹏", "peng"),
    ("飞", "fei"), ("斌", "bin"), ("宇", "yu"), ("浩", "hao"), ("凯", "kai"), ("欣", "xin"),
    ("怡", "yi"), ("佳", "jia"), ("子", "zi"), ("涵", "han"), ("梓", "zi"), ("轩", "xuan"),
    ("博", "bo"), ("晨", "chen"), ("雪", "xue"), ("琳", "lin"), ("俊", "jun"), ("鑫", "xin"),
    ("波", "bo"), ("海", "hai"), ("红", "hong"), ("云", "yun"), ("峰", "feng"), ("志", "zhi"),
    ("晓", "xiao"), ("思", "si"), ("雨", "yu"), ("颖", "ying"), ("慧", "hui"), ("嘉", "jia"),
    ("瑞", "rui"), ("晶", "jing"), ("彤", "tong"), ("睿", "rui"),
)  # fmt: skip
EN_FIRST: tuple[str, ...] = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William",
    "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony",
    "Margaret", "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily",
    "Andrew", "Donna", "Joshua", "Michelle", "Kevin", "Amanda", "Brian", "Melissa", "George",
    "Deborah", "Oliver", "Amelia", "Harry", "Olivia", "Jack", "Isla", "Charlie", "Ava", "Noah",
    "Sophie", "Jacob", "Grace", "Ethan", "Chloe", "Luis", "Maria", "Jose", "Ana", "Wei", "Priya",
)  # fmt: skip
US_LAST: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "O'Brien", "Kim", "Patel", "Chen",
)  # fmt: skip
GB_LAST: tuple[str, ...] = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Thomas", "Clarke", "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper",
    "Hill", "Ward", "Hughes", "Moore", "Clark", "King", "Harrison", "Lewis", "Baker", "Lee",
    "Allen", "Morris", "Khan", "Scott", "Watson", "Davis", "Parker", "James", "Bennett", "Young",
    "Phillips", "Richardson", "Mitchell", "MacDonald", "Campbell", "O'Neill", "Singh",
)  # fmt: skip

CN_MAIL = ("163.com", "126.com", "sina.com", "outlook.com", "foxmail.com")
US_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com")
GB_MAIL = ("gmail.com", "hotmail.co.uk", "outlook.com", "btinternet.com", "yahoo.co.uk")


def names_and_handles(
    rng: np.random.Generator, country: np.ndarray
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Full names, ASCII e-mail local parts and e-mail domains for people of `country` (0/1/2).

    Chinese names are surname + one or two given characters, with QQ-number or pinyin e-mails;
    English names are first + last name (US or GB surname pool) with `first.last12` e-mails.
    """
    n = country.size
    sur = pick(rng, n, [w for _, _, w in CN_SURNAMES])
    g1 = rng.integers(0, len(CN_GIVEN), n)
    g2 = np.where(rng.random(n) < 0.65, rng.integers(0, len(CN_GIVEN), n), len(CN_GIVEN))
    first = rng.integers(0, len(EN_FIRST), n)
    last = rng.integers(0, 1000, n)
    number = rng.integers(1, 100, n)
    qq = rng.integers(10_000, 3_000_000_000, n)
    use_qq = rng.random(n) < 0.4
    dom = rng.integers(0, 1000, n)
    given = [c for c, _ in CN_GIVEN] + [""]  # index len(CN_GIVEN) = no second character
    given_py = [p for _, p in CN_GIVEN] + [""]

    def chinese(i: np.ndarray) -> pl.DataFrame:
        f = pl.DataFrame(
            {
                "sur": gather([s for s, _, _ in CN_SURNAMES], sur[i]),
                "sur_py": gather([p for _, p, _ in CN_SURNAMES], sur[i]),
                "g1": gather(given, g1[i]),
                "g1_py": gather(given_py, g1[i]),
                "g2": gather(given, g2[i]),
                "g2_py": gather(given_py, g2[i]),
                "num": number[i],
                "qq": qq[i],
                "use_qq": use_qq[i],
                "dom": gather(CN_MAIL, dom[i] % len(CN_MAIL)),
            }
        )
        qq_mail = pl.col("use_qq")
        return f.select(
            name=pl.concat_str("sur", "g1", "g2"),
            local=pl.when(qq_mail)
            .then(pl.col("qq").cast(pl.String))
            .otherwise(
                pl.concat_str(
                    "sur_py", pl.lit("."), "g1_py", "g2_py", pl.col("num").cast(pl.String)
                )
            ),
            domain=pl.when(qq_mail).then(pl.lit("qq.com")).otherwise("dom"),
        )

    def english(
        lasts: tuple[str, ...], mails: tuple[str, ...]
    ) -> Callable[[np.ndarray], pl.DataFrame]:
        def build(i: np.ndarray) -> pl.DataFrame:
            f = pl.DataFrame(
                {
                    "first": gather(EN_FIRST, first[i]),
                    "last": gather(lasts, last[i] % len(lasts)),
                    "num": number[i],
                    "domain": gather(mails, dom[i] % len(mails)),
                }
            )
            return f.select(
                name=pl.concat_str("first", pl.lit(" "), "last"),
                local=pl.concat_str(
                    pl.col("first").str.to_lowercase(),
                    pl.lit("."),
                    pl.col("last").str.to_lowercase().str.replace("'", "", literal=True),
                    pl.col("num").cast(pl.String),
                ),
                domain="domain",
            )

        return build

    out = by_country(
        country, {0: chinese, 1: english(US_LAST, US_MAIL), 2: english(GB_LAST, GB_MAIL)}
    )
    return out["name"], out["local"], out["domain"]
