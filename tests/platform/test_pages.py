from app.demo import load_demo


async def test_home_lists_the_open_demo_contest(client, session):
    await load_demo(session=session)
    response = await client.get("/")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text
    assert "Cuộc thi tìm hiểu về cải cách hành chính năm 2026" in response.text
    assert 'href="/c/demo"' in response.text
    assert "Tham gia dự thi" in response.text


async def test_home_without_contests_says_so_in_vietnamese(client):
    response = await client.get("/")
    assert "Hiện chưa có cuộc thi nào đang mở" in response.text


async def test_unknown_page_is_a_vietnamese_404(client):
    response = await client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang bạn yêu cầu." in response.text


async def test_unknown_api_path_is_a_json_404(client):
    response = await client.get("/api/v1/khong-co")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "http_404"


async def test_static_files_are_served_without_a_cdn(client):
    home = await client.get("/")
    assert "https://" not in home.text and "http://" not in home.text.replace(
        "http://testserver", ""
    )
    css = await client.get("/static/css/site.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
