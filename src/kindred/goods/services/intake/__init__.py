"""Donation receipts: what came in at the intake table, from whom, and where it was put.

`record_receipt` validates every line, numbers the receipt, appends the intake movements in
one `ledger.record` call, registers one-off items (furniture, prams) one by one with their
photo, and writes the audit entry — all in one transaction. An idempotency key makes a
double click, a resubmitted form or a retried API call return the first receipt instead of
creating a second one.

`correct_receipt` never rewrites history: the current lines' movements are reversed and the
new lines recorded in the same ledger call; the old lines stay, marked void.

The thank-you e-mail goes to a donor with an address — for a person, only with a lawful
basis in force for the donor-communication purpose — after the transaction commits.
"""

from .corrections import correct_receipt
from .lines import (
    MAX_LINES,
    MAX_ONE_OFF_PER_LINE,
    MAX_PHOTO_BYTES,
    MAX_QUANTITY,
    WHOLE_UNITS,
    CleanLine,
    LineError,
    ReceiptLineIn,
    clean_line,
    clean_lines,
)
from .receipts import DonorIn, RecordReceipt, record_donation, record_receipt
from .thanks import (
    DONOR_PURPOSE,
    DONOR_PURPOSE_TEXTS,
    THANK_YOU,
    Recipient,
    ensure_donor_purpose,
    mark_thank_you_sent,
    receipt_for,
    send_thank_you,
    thank_you_recipient,
)

__all__ = [
    "DONOR_PURPOSE",
    "DONOR_PURPOSE_TEXTS",
    "MAX_LINES",
    "MAX_ONE_OFF_PER_LINE",
    "MAX_PHOTO_BYTES",
    "MAX_QUANTITY",
    "THANK_YOU",
    "WHOLE_UNITS",
    "CleanLine",
    "DonorIn",
    "LineError",
    "ReceiptLineIn",
    "Recipient",
    "RecordReceipt",
    "clean_line",
    "clean_lines",
    "correct_receipt",
    "ensure_donor_purpose",
    "mark_thank_you_sent",
    "receipt_for",
    "record_donation",
    "record_receipt",
    "send_thank_you",
    "thank_you_recipient",
]
