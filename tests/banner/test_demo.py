def test_the_demo_page_embeds_the_banner_with_trackers_inert(client, demo_site):
    response = client.get("/demo/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert '<script src="/c/demo.js"></script>' in html
    assert 'type="text/plain" data-assent="marketing" src="https://www.googletagmanager.com/' in html
    assert 'data-assent="advertising" data-src="https://www.youtube-nocookie.com/' in html
    assert "data-assent-open" in html


def test_the_demo_page_is_served_under_a_strict_csp_with_a_fresh_nonce(client, demo_site):
    first = client.get("/demo/")["Content-Security-Policy"]
    second = client.get("/demo/")["Content-Security-Policy"]
    assert "'unsafe-inline'" not in first
    assert "'unsafe-eval'" not in first
    assert "require-trusted-types-for 'script'" in first
    assert first != second


def test_the_demo_page_speaks_japanese_on_request(client, demo_site):
    html = client.get("/demo/?lang=ja").content.decode()
    assert '<html lang="ja">' in html
    assert "Cookie 設定" in html
