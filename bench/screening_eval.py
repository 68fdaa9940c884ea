"""Screening quality: precision and recall of the matcher on a labelled set of name pairs, beside an exact-match
baseline and a plain rapidfuzz token_set_ratio baseline.

    .venv/bin/python -m bench.screening_eval            # prints the table (reads bench/screening_pairs.csv)
    .venv/bin/python -m bench.screening_eval --write    # rebuilds the CSV from the lists below

Each row of bench/screening_pairs.csv is (party name, party country, listed name, listed country, label, why):
label 1 when an expert would say the party is the listed one (another romanization, a dropped or changed
company form, words swapped, a branch, a misspelling), 0 for a hard negative (shares words or a prefix with
a listed name, a humanitarian organization, a common-words name). The listed names are the fixture lists'
(bench/sanctions_files.py); the parties were written by hand for this set, plus mechanical misspellings.
"""

from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

from rapidfuzz import fuzz

from exemptions.screening.matching import HIT_THRESHOLD, ListIndex, PartyQuery
from exemptions.screening.records import ENTITY, ListedEntry

PAIRS = Path(__file__).with_name("screening_pairs.csv")
TOKEN_SET_THRESHOLD = 85

# listed name -> parties that ARE it (written as applicants and forwarders write them)
POSITIVES = {
    "KOREA JONGSONG GENERAL TRADING CORPORATION": [
        "Jungsung Trading of Korea",
        "Korea Jongsong Trading Corp.",
        "Jongsong General Trading Co., Ltd",
        "Chongsong Trading Corporation Korea",
        "KOREA JONG-SONG GENERAL TRADING CORP",
        "Jongsong Trading",
        "Korea Jeongseong General Trading Corporation",
        "Jongsong Trading Company (Pyongyang)",
        "General Trading Corporation Jongsong Korea",
        "korea jongsong gen. trading corp.",
    ],
    "KOREA PUHUNG MACHINE-TOOL GENERAL CORPORATION": [
        "Puhung Machine Tool Corporation",
        "Korea Puhung Machine Tool General Corp",
        "Puhung Machine-Tool Co",
        "KOREA PUHUNG MACHINETOOL GENERAL CORPORATION",
        "Puhung Machine Tool General Corp. of Korea",
        "Korea Puheung Machine-Tool General Corporation",
        "PUHUNG MACHINE-TOOL",
    ],
    "TONGBANG OCEAN SHIPPING COMPANY": [
        "Tongbang Ocean Shipping Co. Ltd",
        "Tong Bang Ocean Shipping",
        "Ocean Shipping Company Tongbang",
        "Tongbang Ocean Shipping Limited",
        "TONGBANG OCEAN SHIPPING CO",
        "Tongbang Oceanic Shipping Company",
        "Tongpang Ocean Shipping Company",
    ],
    "KUMSONG COMMERCIAL BANK": [
        "Kumsong Commercial Bank Ltd",
        "Kumsung Commercial Bank",
        "Commercial Bank Kumsong",
        "KUM SONG COMMERCIAL BANK",
        "Kumsong Commercial Bank (Pyongyang Head Office)",
        "Keumsong Commercial Bank",
    ],
    "KUMSONG BANK": ["Kumsong Bank", "Kumsung Bank", "Kum-Song Bank"],
    "KOREA HAEGUM MARINE FUEL COMPANY": [
        "Haegum Marine Fuel Co",
        "Korea Haegum Marine Fuel Co., Ltd.",
        "Marine Fuel Company Haegum",
        "Korea Haegeum Marine Fuel Company",
        "HAEGUM MARINE FUEL",
        "Korea Haegum Marine Fuels Company",
    ],
    "CHONSUNG METALS IMPORT-EXPORT CORPORATION": [
        "Chonsung Metals Import Export Corp",
        "Chonsong Metals Import-Export Corporation",
        "Jonsung Metals Import and Export Corporation",
        "CHONSUNG METALS IMP-EXP CORP",
        "Chonsung Metal Import-Export Corporation",
        "Metals Import-Export Corporation Chonsung",
    ],
    "RYONHAP GENERAL BUREAU OF MINERALS": [
        "Ryonhap General Bureau of Minerals",
        "General Bureau of Minerals Ryonhap",
        "Yonhap General Bureau of Minerals",
        "Ryonhap Gen. Bureau of Minerals",
        "RYONHAP GENERAL BUREAU OF MINERAL",
    ],
    "DANDONG HENGTAI INDUSTRIAL DEVELOPMENT CO., LTD.": [
        "Dandong Hengtai Industrial Development Co Ltd",
        "Hengtai Industrial Development (Dandong) Co., Ltd.",
        "Dandong Hengtai Industrial Dev. Co.",
        "Tantung Hengtai Industrial Development Company",
        "DANDONG HENGTAI INDUSTRY DEVELOPMENT CO LTD",
        "Dandong Heng Tai Industrial Development Co., Ltd",
        "Dandong Hengtai Industrial Development Limited",
    ],
    "SINBONG TRADING LIMITED": [
        "Sinbong Trading Ltd",
        "Shinbong Trading Limited",
        "Sin Bong Trading Co. Limited",
        "SINBONG TRADING (HK) LIMITED",
        "Sinbong Trading Company Limited",
        "Sinbong Tradings Ltd",
    ],
    "SONG MYONG 3": ["Song Myong 3", "SONGMYONG 3", "Song Myung 3", "M/V Song Myong 3", "Seong Myeong 3"],
    "PAEK MA SAN": ["Paek Ma San", "Paekmasan", "Baek Ma San", "PAEK MASAN", "M/V Paek Ma San"],
    "HAE RYONG 7": ["Hae Ryong 7", "HAERYONG 7", "Hae Ryung 7", "M/V Hae Ryong No. 7"],
    "RI CHOL-JIN": [
        "Ri Chol Jin",
        "Lee Chul-Jin",
        "Rhee Cheol Jin",
        "Yi Chol-Jin",
        "Chol-Jin Ri",
        "Lee Cheoljin",
        "RI CHOLJIN",
        "Li Chol Jin",
        "Chul Jin Lee",
    ],
    "PAK YONG-SU": ["Park Yong Soo", "Pak Yong Su", "Bak Young-Su", "Yong-Su Pak", "Park Youngsoo", "PAK YONGSU"],
    "CHOE MYONG-HO": ["Choi Myung Ho", "Choe Myong Ho", "Chwe Myong-Ho", "Myong-Ho Choe", "Choi Myeongho"],
    "KIM SONG-IL": ["Kim Song Il", "Gim Seong-Il", "Kim Sung-Il", "Song-Il Kim", "KIM SONGIL"],
    "JONG KWANG-HYOK": ["Jong Kwang Hyok", "Chong Kwang-Hyok", "Jung Gwang Hyuk", "Kwang-Hyok Jong", "Jeong Kwanghyok"],
}

# listed name -> parties that are NOT it, though they look alike to a naive matcher
NEGATIVES = {
    "KOREA JONGSONG GENERAL TRADING CORPORATION": [
        "Korea General Trading Corporation",
        "Korea Jonghap Trading Corporation",
        "Jongno Trading Corporation",
        "Korea International Trading Corporation",
        "Korea Trading Corporation",
        "Sungjong Textiles Corporation",
        "General Trading Corporation",
        "Korea Jongsin Machinery Corporation",
    ],
    "KOREA PUHUNG MACHINE-TOOL GENERAL CORPORATION": [
        "Korea Machine-Tool General Corporation",
        "Pusan Machine Tool Corporation",
        "Puhui Machine Tool Co.",
        "Korea Precision Machine Tool Corporation",
        "Machine Tool Trading Co.",
    ],
    "TONGBANG OCEAN SHIPPING COMPANY": [
        "Ocean Shipping Company",
        "Tongyang Ocean Shipping Company",
        "Pacific Ocean Shipping Company",
        "Dongbang Logistics Company",
        "Ocean Network Express",
        "Tongbang Fisheries Cooperative",
    ],
    "KUMSONG COMMERCIAL BANK": [
        "Commercial Bank of Korea",
        "Kumho Commercial Bank",
        "Kunming Commercial Bank",
        "Commercial Bank",
        "Kumsong Tractor Factory",
        "Korea Commercial Bank",
        "Kumsong Pharmaceutical Supplies",
    ],
    "KOREA HAEGUM MARINE FUEL COMPANY": [
        "Korea Marine Fuel Company",
        "Haeju Marine Fuel Company",
        "Marine Fuel Services Ltd",
        "Korea Haesong Marine Company",
        "Haegang Seafood Company",
    ],
    "CHONSUNG METALS IMPORT-EXPORT CORPORATION": [
        "Metals Import-Export Corporation",
        "Chonji Metals Import-Export Corporation",
        "Chongjin Metals Corporation",
        "Import-Export Corporation",
        "Chosun Metals Import Export",
    ],
    "RYONHAP GENERAL BUREAU OF MINERALS": [
        "General Bureau of Minerals",
        "Ryonha Machinery Joint Venture Corporation",
        "Ryongaksan General Trading",
        "Bureau of Mines and Minerals",
    ],
    "DANDONG HENGTAI INDUSTRIAL DEVELOPMENT CO., LTD.": [
        "Dandong Industrial Development Co., Ltd.",
        "Dandong Hengda Trading Co. Ltd",
        "Hengli Industrial Development",
        "Dalian Hengtong Industrial Development Co.",
        "Dandong Northeast Logistics Co.",
        "Industrial Development Co. Ltd",
        "Dandong Hongxing Industrial Development Co",
        "Hengtai Pharmacy Beijing",
    ],
    "SINBONG TRADING LIMITED": [
        "Sino Trading Limited",
        "Sinbo Trading Company",
        "Trading Limited",
        "Sinopec Trading Limited",
        "Seabong Logistics Limited",
        "Simbong Farms",
    ],
    "SONG MYONG 3": ["Song Hwa 3", "Myong San 3", "Song Hae 3", "Sea Song 3", "Song Myong Farms"],
    "PAEK MA SAN": ["Paek Tu San", "Ma San", "Paektusan", "Pak Ma Sun Trading"],
    "HAE RYONG 7": ["Hae Song 7", "Ryong Gang 7", "Hae Rang 8", "Ocean Dragon 7"],
    "RI CHOL-JIN": ["Ri Chol-Ho", "Lee Jin-Ho", "Ri Myong-Jin", "Kim Chol-Jin", "Ri Chun-Sik", "Lee Chul-Min"],
    "PAK YONG-SU": ["Pak Yong-Chol", "Park Young-Ho", "Kim Yong-Su", "Pak Su-Il", "Park Jung-Su"],
    "CHOE MYONG-HO": ["Choe Myong-Il", "Choi Jung-Ho", "Kim Myong-Ho", "Choe Ho-Nam"],
    "KIM SONG-IL": ["Kim Jong-Il", "Kim Song-Chol", "Pak Song-Il", "Kim Il-Song"],
    "JONG KWANG-HYOK": ["Jong Kwang-Il", "Jang Kwang-Hyok", "Jong Myong-Hyok", "Kang Kwang-Hyok"],
}

# Parties a humanitarian dossier really names: none is on any list (each checked against every listed name).
CLEAN_PARTIES = [
    "World Food Programme",
    "UNICEF Supply Division",
    "World Health Organization",
    "International Federation of Red Cross and Red Crescent Societies",
    "Médecins Sans Frontières",
    "Helvetic Nutrition SA",
    "Nordic Pharma AB",
    "Alpine Relief Clearing Bank SA",
    "Rotterdam Freight Services BV",
    "Sariwon Children's Hospital",
    "International Trading Company",
    "General Trading Co.",
    "Global Logistics Ltd",
    "Korea Red Cross",
    "Pyongyang Maternity Hospital",
    "Haeju Provincial Hospital",
    "Shenyang Medical Supplies Co.",
    "Dalian Port Logistics Co.",
    "Hong Kong Humanitarian Logistics Ltd",
    "Geneva Cold Chain Solutions SA",
]


def build() -> list[tuple]:
    rng = random.Random(5)
    rows = []
    for listed, parties in POSITIVES.items():
        rows += [(p, "", listed, "", 1, "variant written by hand") for p in parties]
        for _ in range(2):  # a slip of the keyboard in one word
            words = listed.title().split()
            k = rng.randrange(len(words))
            if len(words[k]) > 4:
                i = rng.randrange(1, len(words[k]) - 1)
                words[k] = words[k][:i] + words[k][i + 1] + words[k][i] + words[k][i + 2 :]
                rows.append((" ".join(words), "", listed, "", 1, "two letters swapped"))
    for listed, parties in NEGATIVES.items():
        rows += [(p, "", listed, "", 0, "near miss written by hand") for p in parties]
    for party in CLEAN_PARTIES:
        for listed in rng.sample(sorted(POSITIVES), 4):
            rows.append((party, "", listed, "", 0, "humanitarian or common-words party"))
    return rows


def write() -> None:
    with PAIRS.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["party", "party_country", "listed", "listed_country", "label", "why"])
        writer.writerows(build())


def read() -> list[dict]:
    with PAIRS.open(encoding="utf-8") as source:
        return list(csv.DictReader(source))


def ours(party: str, country: str, listed: str, listed_country: str) -> bool:
    index = ListIndex()
    index.add("listed", ListedEntry("1", ENTITY, listed, countries=[listed_country] if listed_country else []))
    return bool(index.match(PartyQuery(party, country)))


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def exact(party: str, country: str, listed: str, listed_country: str) -> bool:
    return _plain(party) == _plain(listed)


def token_set(party: str, country: str, listed: str, listed_country: str) -> bool:
    return fuzz.token_set_ratio(_plain(party), _plain(listed)) >= TOKEN_SET_THRESHOLD


def score(method, rows) -> tuple[float, float, int, int]:
    tp = fp = fn = 0
    for row in rows:
        predicted = method(row["party"], row["party_country"], row["listed"], row["listed_country"])
        truth = row["label"] == "1"
        tp += predicted and truth
        fp += predicted and not truth
        fn += truth and not predicted
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, fp, fn


def main() -> None:
    if "--write" in sys.argv:
        write()
    rows = read()
    positives = sum(r["label"] == "1" for r in rows)
    print(f"{len(rows)} labelled pairs ({positives} true variants, {len(rows) - positives} hard negatives)")
    print(f"{'method':<42} {'precision':>9} {'recall':>7} {'false +':>8} {'missed':>7}")
    methods = [
        ("exact match (case and punctuation folded)", exact),
        (f"rapidfuzz token_set_ratio >= {TOKEN_SET_THRESHOLD}", token_set),
        (f"exemptions.screening (score >= {HIT_THRESHOLD})", ours),
    ]
    for label, method in methods:
        precision, recall, fp, fn = score(method, rows)
        print(f"{label:<42} {precision:>9.3f} {recall:>7.3f} {fp:>8} {fn:>7}")
    if "--misses" in sys.argv:
        for row in rows:
            if ours(row["party"], row["party_country"], row["listed"], row["listed_country"]) != (row["label"] == "1"):
                print(f"  {row['label']}  {row['party']!r} vs {row['listed']!r}")


if __name__ == "__main__":
    main()
