"""The master-data names as this module offered them before they moved to ``portal/masters``.

Kept so that callers being moved in the same restructure (linkage/exchange) keep working; new code
imports ``portal.masters.loader`` (files, imports) or ``portal.masters.selectors`` (lookups).
"""

from portal.masters.loader import (  # noqa: F401
    BUNDLED,
    KINDS,
    ImportResult,
    MasterFileError,
    decode,
    ensure_loaded,
    import_master,
    load_bundled,
    parse_benefit_limits,
    parse_cost_share_groups,
    parse_service_codes,
    parse_unit_prices,
    reset_loaded_flag,
)
from portal.masters.selectors import MonthMasters, benefit_limit_for, clear_cache, month_masters  # noqa: F401
