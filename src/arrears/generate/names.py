"""Personal names per country, with rough real frequencies, and the e-mail handles built on them.

Chinese names carry their pinyin so e-mail addresses look like real ones (`wang.xiaoming88@163.com`)
rather than random strings. All lookups are by NumPy index arrays into these tuples.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from arrears.generate._common import gather, pick

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
    """Full names, ASCII e-mail local parts and e-mail domains for customers of `country` (0/1/2).

    Draws are made for every row of every country and then selected by country, so the random
    stream does not depend on the country mix (CN-only and mixed runs share the code path).
    """
    n = country.size
    sur = pick(rng, n, [w for _, _, w in CN_SURNAMES])
    g1 = rng.integers(0, len(CN_GIVEN), n)
    g2 = rng.integers(0, len(CN_GIVEN), n)
    two = rng.random(n) < 0.65
    first = rng.integers(0, len(EN_FIRST), n)
    us_last = rng.integers(0, len(US_LAST), n)
    gb_last = rng.integers(0, len(GB_LAST), n)
    number = rng.integers(1, 100, n)
    qq = rng.integers(10_000, 3_000_000_000, n)
    use_qq = rng.random(n) < 0.4
    dom = rng.integers(0, 1000, n)

    g2_idx = np.where(two, g2, len(CN_GIVEN))  # index len() = empty second character
    cn_given = [c for c, _ in CN_GIVEN] + [""]
    cn_given_py = [p for _, p in CN_GIVEN] + [""]
    frame = pl.DataFrame(
        {
            "c": country,
            "sur": gather([s for s, _, _ in CN_SURNAMES], sur),
            "sur_py": gather([p for _, p, _ in CN_SURNAMES], sur),
            "g1": gather([c for c, _ in CN_GIVEN], g1),
            "g1_py": gather([p for _, p in CN_GIVEN], g1),
            "g2": gather(cn_given, g2_idx),
            "g2_py": gather(cn_given_py, g2_idx),
            "first": gather(EN_FIRST, first),
            "us_last": gather(US_LAST, us_last),
            "gb_last": gather(GB_LAST, gb_last),
            "num": number,
            "qq": qq,
            "use_qq": use_qq,
            "cn_dom": gather(CN_MAIL, dom % len(CN_MAIL)),
            "us_dom": gather(US_MAIL, dom % len(US_MAIL)),
            "gb_dom": gather(GB_MAIL, dom % len(GB_MAIL)),
        }
    )
    is_cn = pl.col("c") == 0
    frame = frame.with_columns(last=pl.when(pl.col("c") == 2).then("gb_last").otherwise("us_last"))
    out = frame.select(
        name=pl.when(is_cn)
        .then(pl.concat_str("sur", "g1", "g2"))
        .otherwise(pl.concat_str("first", pl.lit(" "), "last")),
        local=pl.when(is_cn & pl.col("use_qq"))
        .then(pl.col("qq").cast(pl.String))
        .when(is_cn)
        .then(pl.concat_str("sur_py", pl.lit("."), "g1_py", "g2_py", pl.col("num").cast(pl.String)))
        .otherwise(
            pl.concat_str(
                pl.col("first").str.to_lowercase(),
                pl.lit("."),
                pl.col("last").str.to_lowercase().str.replace("'", "", literal=True),
                pl.col("num").cast(pl.String),
            )
        ),
        domain=pl.when(is_cn & pl.col("use_qq"))
        .then(pl.lit("qq.com"))
        .when(is_cn)
        .then(pl.col("cn_dom"))
        .when(pl.col("c") == 1)
        .then(pl.col("us_dom"))
        .otherwise(pl.col("gb_dom")),
    )
    return out["name"], out["local"], out["domain"]
