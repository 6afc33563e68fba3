"""How many database statements one request of a page sends, for tests that a page asks the
same number whatever the number of rows it shows (no statement per row)."""

from bench.queries import counting


def statements(client, url: str, status: int = 200, **kwargs) -> int:
    """The statements of one GET of `url` by `client` (logged in as the test needs). The page is
    asked twice and the second request counted, so that one-off work (a rule profile loaded,
    a template compiled) does not blur the figure."""
    client.get(url, **kwargs)
    with counting() as box:
        response = client.get(url, **kwargs)
    assert response.status_code == status, (url, response.status_code)
    return box["n"]
