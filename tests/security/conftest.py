from tests.web.conftest import auth, fresh  # noqa: F401  (web fixtures for these tests)
