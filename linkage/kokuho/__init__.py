"""The 国保連 interface files a 居宅介護支援事業所 sends (給付管理票 821, 介護給付費請求 711). No Django.

``layouts.json`` holds the record layouts with the source of every field; ``codec`` reads and
writes the files. Renkei makes the files; the office sends them with the national 伝送 software.
"""

from linkage.kokuho.codec import KokuhoError, KokuhoFile, Record, claim_amount, file_name, read, write
from linkage.kokuho.layouts import DATA_TYPE_BENEFIT, DATA_TYPE_CLAIM, LAYOUTS, UNCONFIRMED

__all__ = [
    "KokuhoError",
    "KokuhoFile",
    "Record",
    "claim_amount",
    "file_name",
    "read",
    "write",
    "DATA_TYPE_BENEFIT",
    "DATA_TYPE_CLAIM",
    "LAYOUTS",
    "UNCONFIRMED",
]
