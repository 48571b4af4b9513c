from tests.support.hall import hall  # noqa: F401  (fixture)
