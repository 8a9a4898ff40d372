"""月次の締め: what is missing per 利用者, confirming 実績, the 給付管理票 and the 国保連 file.

Split by what the functions act on: `common` (errors, months, the 給付管理票 as JSON), `month` (the
month's state), `confirmations` (確定・取消・返戻), `files` (the 給付管理票 file) and `kyotaku`
(居宅介護支援費). Callers import from here.
"""

from portal.claims.services.common import (
    CARE_LEVELS_BILLED_HERE,
    CloseError,
    ConfirmationConflict,
    month_end,
    month_start,
    next_month,
    statement_from_json,
    statement_to_json,
)
from portal.claims.services.confirmations import (
    confirmation_create,
    registered_kind,
    rejection_record,
    statement_cancel,
)
from portal.claims.services.files import (
    FileCheck,
    benefit_file_check,
    benefit_file_make,
    care_manager_number_set,
    file_download,
    process_month_for,
)
from portal.claims.services.kyotaku import (
    KyotakuState,
    claim_file_make,
    claim_records,
    kyotaku_entry_save,
    kyotaku_month,
    kyotaku_settings,
)
from portal.claims.services.month import CloseRow, ProviderStatus, month_close

__all__ = [
    "CARE_LEVELS_BILLED_HERE",
    "CloseError",
    "CloseRow",
    "ConfirmationConflict",
    "FileCheck",
    "KyotakuState",
    "ProviderStatus",
    "benefit_file_check",
    "benefit_file_make",
    "care_manager_number_set",
    "claim_file_make",
    "claim_records",
    "confirmation_create",
    "file_download",
    "kyotaku_entry_save",
    "kyotaku_month",
    "kyotaku_settings",
    "month_close",
    "month_end",
    "month_start",
    "next_month",
    "process_month_for",
    "registered_kind",
    "rejection_record",
    "statement_cancel",
    "statement_from_json",
    "statement_to_json",
]
