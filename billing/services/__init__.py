from billing.services.reference_data import reference_data_seed

__all__ = ["reference_data_seed"]
