"""Bundled public reference data about Japan (see NOTICE.md for sources and credits)."""

from adapters.reference_data.loader import BundledReferenceData
from adapters.reference_data.minimum_wage_files import ReferenceDataError

__all__ = ["BundledReferenceData", "ReferenceDataError"]
