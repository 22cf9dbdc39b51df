//! Evidence from the field (issue 18): photos and scanned minutes uploaded as multipart,
//! attached to a task report and a campaign figure, read by the bloc head, the province's portal
//! and nobody else, with ranges and conditional requests; on the local folder and on a real
//! S3-compatible server (moto), on both databases.
use crate::{
    helpers::{Demo, TestApp, assert_problem, spawn_app, spawn_app_with},
    peers::{S3, eventually},
};
use reqwest::Response;
use serde_json::{Value, json};
use std::{path::PathBuf, time::Duration};

pub(crate) const BOUNDARY: &str = "khoi-test-7d1c0a";

/// A `multipart/form-data` body with one part.
pub(crate) fn form(field: &str, filename: &str, content_type: &str, bytes: &[u8]) -> Vec<u8> {
    let mut b = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    b.extend_from_slice(bytes);
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    b
}

async fn post_form(app: &TestApp, token: &str, body: Vec<u8>, content_type: &str) -> Response {
    app.client
        .post(app.url("/api/v1/files"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn upload(app: &TestApp, token: &str, filename: &str, bytes: &[u8]) -> Response {
    post_form(
        app,
        token,
        form("file", filename, "application/octet-stream", bytes),
        &format!("multipart/form-data; boundary={BOUNDARY}"),
    )
    .await
}

pub(crate) async fn uploaded(app: &TestApp, token: &str, filename: &str, bytes: &[u8]) -> Value {
    let res = upload(app, token, filename, bytes).await;
    assert_eq!(res.status(), 201, "{filename}");
    res.json().await.unwrap()
}

/// A JPEG's structure as a phone writes it (start, JFIF header, start of scan, data, end);
/// `seed` varies the data.
fn jpeg(seed: u8, n: usize) -> Vec<u8> {
    let mut v = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
        0xFF, 0xDA, 0x00, 0x04, 0x01, 0x02,
    ];
    v.extend((0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

/// The same JPEG as a phone's camera app leaves it: Exif with the make and the GPS position.
fn jpeg_with_location(seed: u8, n: usize) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0\x02\0".to_vec();
    // Make → "Apple" (offset 38), GPS IFD → offset 44.
    tiff.extend_from_slice(&[0x0F, 0x01, 2, 0, 6, 0, 0, 0, 38, 0, 0, 0]);
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0, 44, 0, 0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(b"Apple\0");
    tiff.extend_from_slice(&[1, 0, 1, 0, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0, 0, 0]);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&tiff);
    let plain = jpeg(seed, n);
    [&plain[..20], &app1[..], &plain[20..]].concat()
}

/// A real photo, `w` × `h`: noise over a gradient, so it compresses about as poorly as a
/// camera's; with an Exif orientation when given (a phone held upright says "turn 90°": 6).
pub(crate) fn photo(seed: u32, w: u32, h: u32, orientation: Option<u16>) -> Vec<u8> {
    use image::{ImageEncoder, codecs::jpeg::JpegEncoder};
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    let img = image::RgbImage::from_fn(w, h, |i, j| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let n = (x & 0x3f) as u8;
        image::Rgb([(i * 127 / w) as u8 + n, (j * 127 / h) as u8 + n, 96 + n])
    });
    let mut out = vec![];
    let mut enc = JpegEncoder::new_with_quality(&mut out, 88);
    if let Some(o) = orientation {
        // TIFF, little-endian, IFD0 with one entry: Orientation (0x0112), SHORT, 1.
        let mut tiff = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
        tiff.extend_from_slice(&o.to_le_bytes());
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        enc.set_exif_metadata(tiff).unwrap();
    }
    enc.write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// The preview at `href` once it is made (`202` while it is being made).
async fn preview_of(app: &TestApp, href: &str, token: &str) -> Vec<u8> {
    for _ in 0..200 {
        let res = download(app, href, token).await;
        match res.status().as_u16() {
            202 => {
                assert_eq!(res.headers()["retry-after"], "1");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            200 => {
                assert_eq!(res.headers()["content-type"], "image/jpeg");
                assert_eq!(res.headers()["x-content-type-options"], "nosniff");
                return res.bytes().await.unwrap().to_vec();
            }
            s => panic!("{s}: {}", res.text().await.unwrap()),
        }
    }
    panic!("the preview of {href} was not made within 10 s");
}

pub(crate) fn pdf(n: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.4\n% bien ban hoi nghi\n".to_vec();
    v.extend((0..n).map(|i| b'a' + (i % 26) as u8));
    v.extend_from_slice(b"\n%%EOF\n");
    v
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// Every file under `dir`, recursively.
fn files_under(dir: PathBuf) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(p));
        } else {
            out.push(p);
        }
    }
    out
}

fn objects(app: &TestApp) -> Vec<PathBuf> {
    files_under(app.config.data_dir.join("files/objects"))
}

fn staged(app: &TestApp) -> Vec<PathBuf> {
    files_under(app.config.data_dir.join("files/staging"))
}

/// A task of the demo bloc assigned to demo.staff, open for reports.
async fn staff_task(app: &TestApp, demo: &Demo) -> String {
    let (_, me) = app.get_json("/api/v1/me", &demo.staff).await;
    let (_, orgs) = app.get_json("/api/v1/organisations", &demo.head).await;
    let lead = orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "fatherland_front")
        .unwrap()["id"]
        .clone();
    let res = app
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Hội nghị tuyên truyền xây dựng nông thôn mới",
                    "description": "Tổ chức hội nghị tại nhà văn hóa thôn 3.",
                    "expected_result": "Biên bản hội nghị và ảnh", "lead_organisation_id": lead,
                    "assignee_id": me["staff_id"], "due_on": "2099-12-31"}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .post_json(
            &format!("/api/v1/tasks/{id}/transitions"),
            &json!({"action": "assign"}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 200);
    id
}

pub(crate) async fn download(app: &TestApp, href: &str, token: &str) -> Response {
    app.client
        .get(app.url(href))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The issue's "done means": a staff member reports a task with two phone photos and a scanned
/// PDF minute; the bloc head opens them; the province's portal downloads them; another bloc
/// and the deputy (for an unattached upload) find nothing.
async fn evidence_reaches_the_head_and_the_portal(app: &TestApp) -> Vec<String> {
    let demo = app.seed_demo().await;
    let task = staff_task(app, &demo).await;
    let photos = [photo(1, 1600, 1200, None), photo(2, 1600, 1200, None)];
    let minute = pdf(120_000);
    let mut ids = vec![];
    for (name, bytes) in [
        ("Ảnh hội nghị 1.jpg", &photos[0]),
        ("Ảnh hội nghị 2.jpg", &photos[1]),
        ("Biên bản hội nghị 20-01-2016.pdf", &minute),
    ] {
        let f = uploaded(app, &demo.staff, name, bytes).await;
        assert_eq!(f["name"], name);
        assert_eq!(f["size"], bytes.len());
        assert_eq!(f["sha256"], sha256_hex(bytes));
        assert!(f["attached_to"].is_null());
        ids.push(f["id"].as_str().unwrap().to_string());
    }
    assert_eq!(
        uploaded(app, &demo.staff, "x.jpg", &photos[0]).await["media_type"],
        "image/jpeg"
    );
    // Before it is attached, an upload is already the bloc's to read.
    let one = format!("/api/v1/files/{}", ids[2]);
    assert_eq!(app.get_json(&one, &demo.head).await.0, 200);
    assert_eq!(app.get_json(&one, &demo.deputy).await.0, 200);
    let res = app
        .post_json(
            &format!("/api/v1/tasks/{task}/reports"),
            &json!({"text": "Đã tổ chức hội nghị ngày 20/01/2016, 45 hộ dự.", "progress": 100,
                    "attachments": ids}),
            Some(&demo.staff),
        )
        .await;
    assert_eq!(res.status(), 201);
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["attachments"].as_array().unwrap().len(), 3);
    // The bloc head opens them from the report list.
    let (_, reports) = app
        .get_json(&format!("/api/v1/tasks/{task}/reports"), &demo.head)
        .await;
    let listed = reports["items"][0]["attachments"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[2]["name"], "Biên bản hội nghị 20-01-2016.pdf");
    for (f, bytes) in listed.iter().zip([&photos[0], &photos[1], &minute]) {
        let res = download(app, f["content_href"].as_str().unwrap(), &demo.head).await;
        assert_eq!(res.status(), 200);
        let h = |n: &str| res.headers().get(n).unwrap().to_str().unwrap().to_string();
        assert_eq!(h("etag"), format!("\"{}\"", sha256_hex(bytes)));
        assert_eq!(h("x-content-type-options"), "nosniff");
        assert_eq!(h("accept-ranges"), "bytes");
        assert!(h("content-disposition").starts_with("inline; filename=\""));
        assert!(h("content-disposition").contains("filename*=UTF-8''"));
        assert_eq!(res.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }
    // A previews list small enough for a phone: each photo's preview is a JPEG of at most
    // 320 pixels a side, tens of kilobytes against the photos' megabytes; the minute has none.
    assert!(listed[2]["preview_href"].is_null());
    let mut shown = 0;
    for f in &listed[..2] {
        let p = preview_of(app, f["preview_href"].as_str().unwrap(), &demo.head).await;
        let img = image::load_from_memory(&p).unwrap();
        assert_eq!((img.width(), img.height()), (320, 240));
        shown += p.len();
    }
    let originals = photos[0].len() + photos[1].len();
    assert!(
        shown <= 80 * 1024 && shown * 20 <= originals,
        "{shown} bytes of previews for {originals} bytes of photos"
    );
    let res = download(app, listed[2]["content_href"].as_str().unwrap(), &demo.head).await;
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(
        res.headers()["content-disposition"],
        "inline; filename=\"Bien ban hoi nghi 20-01-2016.pdf\"; \
         filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20h%E1%BB%99i%20ngh%E1%BB%8B%2020-01-2016.pdf"
    );
    // The province's portal downloads it; a bloc of another province finds nothing.
    let (_, bloc) = app
        .get_json(&format!("/api/v1/blocs/{}", demo.bloc_id), &demo.head)
        .await;
    let province = bloc["province"].as_str().unwrap();
    let portal = app
        .portal_account(&demo.admin, province, "cong.thong.tin")
        .await;
    let res = download(app, listed[0]["content_href"].as_str().unwrap(), &portal).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), photos[0].as_slice());
    preview_of(app, listed[0]["preview_href"].as_str().unwrap(), &portal).await;
    // The province summary counts the evidence each bloc holds (attached files only).
    let (s, summary) = app.get_json("/api/v1/reports/summary", &portal).await;
    assert_eq!(s, 200);
    let ours = summary["blocs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["bloc_id"] == demo.bloc_id.as_str())
        .unwrap();
    let bytes = photos[0].len() + photos[1].len() + minute.len();
    assert_eq!(
        ours["evidence"],
        json!({"files": 3, "bytes": bytes}),
        "{ours}"
    );
    assert_eq!(summary["totals"]["evidence"]["files"], 3);
    let (_, other) = app
        .other_bloc(&demo.admin, "Khối Móng Cái", "Lạng Sơn", "head.mongcai")
        .await;
    let res = download(app, listed[0]["content_href"].as_str().unwrap(), &other).await;
    assert_problem(res, 404).await;
    let res = download(app, listed[0]["preview_href"].as_str().unwrap(), &other).await;
    assert_problem(res, 404).await;
    assert_eq!(app.get_json(&one, &other).await.0, 404);
    // The feed and the audit log tell of the upload and the attaching.
    let (_, audit) = app
        .get_json(
            &format!(
                "/api/v1/audit-log?resource_type=file&resource_id={}",
                ids[0]
            ),
            &demo.head,
        )
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"upload") && actions.contains(&"attach"),
        "{audit}"
    );
    ids
}

#[tokio::test]
async fn a_report_carries_photos_and_a_scanned_minute_on_the_local_folder() {
    let app = spawn_app().await;
    evidence_reaches_the_head_and_the_portal(&app).await;
    // Four uploads, three contents: the repeated photo is stored once; two previews beside.
    assert_eq!(objects(&app).len(), 5);
    assert!(staged(&app).is_empty());
}

#[tokio::test]
async fn a_report_carries_photos_and_a_scanned_minute_on_an_s3_compatible_store() {
    let s3 = S3::start().await;
    let app = spawn_app_with(|c| c.files.s3 = Some(s3.config())).await;
    evidence_reaches_the_head_and_the_portal(&app).await;
    let keys = s3.keys().await;
    assert_eq!(keys.len(), 5, "three contents and two previews: {keys:?}");
    assert_eq!(keys.iter().filter(|k| k.ends_with(".preview")).count(), 2);
    assert!(keys.iter().all(|k| k.starts_with("blocs/")), "{keys:?}");
    assert!(objects(&app).is_empty(), "nothing on the local folder");
    ranges_and_conditions(&app).await;
}

async fn ranges_and_conditions(app: &TestApp) {
    let token = app
        .login("demo.staff", crate::helpers::DEMO_PASSWORD)
        .await
        .access;
    let bytes = pdf(10_000);
    let f = uploaded(app, &token, "dài.pdf", &bytes).await;
    let href = f["content_href"].as_str().unwrap();
    let tag = format!("\"{}\"", sha256_hex(&bytes));
    let get = |range: Option<&'static str>, extra: Option<(&'static str, String)>| {
        let mut r = app.client.get(app.url(href)).bearer_auth(&token);
        if let Some(v) = range {
            r = r.header("range", v);
        }
        if let Some((k, v)) = extra {
            r = r.header(k, v);
        }
        r.send()
    };
    let res = get(Some("bytes=0-9"), None).await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes 0-9/{}", bytes.len())
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), &bytes[..10]);
    let res = get(Some("bytes=-7"), None).await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.bytes().await.unwrap().as_ref(),
        &bytes[bytes.len() - 7..]
    );
    let res = get(Some("bytes=5000-"), None).await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap().as_ref(), &bytes[5000..]);
    let res = get(Some("bytes=99999999-"), None).await.unwrap();
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes */{}", bytes.len())
    );
    assert_problem(res, 416).await;
    let res = get(None, Some(("if-none-match", tag.clone())))
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    // A range of other content (If-Range with an old tag) gets the whole file.
    let res = get(Some("bytes=0-9"), Some(("if-range", "\"old\"".into())))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().len(), bytes.len());
    let res = get(Some("bytes=0-9"), Some(("if-range", tag)))
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    // Compression would break ranges: the bytes go as stored.
    let res = app
        .client
        .get(app.url(href))
        .bearer_auth(&token)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_ne!(
        res.headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

#[tokio::test]
async fn downloads_take_ranges_and_conditions() {
    let app = spawn_app().await;
    app.seed_demo().await;
    ranges_and_conditions(&app).await;
}

#[tokio::test]
async fn bad_uploads_are_refused_and_leave_nothing() {
    let app = spawn_app_with(|c| {
        c.files.max_bytes = 64 * 1024;
        c.files.quota_bytes = 150 * 1024;
    })
    .await;
    let demo = app.seed_demo().await;
    let t = &demo.staff;
    // Over the file limit: 413, stopped as soon as it was passed.
    let p = assert_problem(upload(&app, t, "to.jpg", &jpeg(1, 200_000)).await, 413).await;
    assert!(p["detail"].as_str().unwrap().contains("65536"), "{p}");
    // An HTML page named .jpg, an SVG, a type off the list, an empty file: 415.
    for (name, bytes) in [
        (
            "anh.jpg",
            b"<!doctype html><script>alert(1)</script>".to_vec(),
        ),
        (
            "anh.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>".to_vec(),
        ),
        ("a.gif", b"GIF89a\x01\x00\x01\x00".to_vec()),
        ("rong.pdf", vec![]),
    ] {
        let p = assert_problem(upload(&app, t, name, &bytes).await, 415).await;
        assert!(p["detail"].as_str().unwrap().contains("allowed"), "{p}");
    }
    // Not multipart at all.
    let res = app
        .post_json("/api/v1/files", &json!({"file": "x"}), Some(t))
        .await;
    assert_problem(res, 415).await;
    // A body cut off inside the file, and one cut off after it (no closing boundary): 400.
    let whole = form("file", "a.pdf", "application/pdf", &pdf(20_000));
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    assert_problem(post_form(&app, t, whole[..10_000].to_vec(), &ct).await, 400).await;
    let cut = whole.len() - format!("--{BOUNDARY}--\r\n").len();
    assert_problem(post_form(&app, t, whole[..cut].to_vec(), &ct).await, 400).await;
    // No part named `file`, and two files in one upload: 422.
    let p = assert_problem(
        post_form(
            &app,
            t,
            form("tep", "a.pdf", "application/pdf", &pdf(10)),
            &ct,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "tep");
    let mut two = form("file", "a.pdf", "application/pdf", &pdf(10));
    two.truncate(two.len() - format!("--{BOUNDARY}--\r\n").len());
    two.extend(form("file", "b.pdf", "application/pdf", &pdf(11)));
    assert_problem(post_form(&app, t, two, &ct).await, 422).await;
    // Nothing of any of these was kept.
    assert!(objects(&app).is_empty(), "{:?}", objects(&app));
    assert!(staged(&app).is_empty(), "{:?}", staged(&app));
    // The quota: 60 KiB twice fits in 150 KiB, the same content again costs nothing, a third
    // distinct content does not fit (409, naming the quota).
    uploaded(&app, t, "a.jpg", &jpeg(1, 60_000)).await;
    uploaded(&app, t, "b.jpg", &jpeg(2, 60_000)).await;
    uploaded(&app, &demo.head, "a-lan-nua.jpg", &jpeg(1, 60_000)).await;
    let p = assert_problem(upload(&app, t, "c.jpg", &jpeg(3, 60_000)).await, 409).await;
    assert!(p["detail"].as_str().unwrap().contains("153600"), "{p}");
    assert_eq!(objects(&app).len(), 2);
    assert!(staged(&app).is_empty());
    // Names are kept safely: no path, no control characters, at most 255 characters. A raw
    // control character is not valid in a header (400); encoded as `filename*`, it is dropped.
    let raw = form("file", "a\u{7}b.pdf", "application/pdf", &pdf(5));
    assert_problem(post_form(&app, t, raw, &ct).await, 400).await;
    let encoded = form("file", "x.pdf", "application/pdf", &pdf(5));
    let encoded = String::from_utf8(encoded).unwrap().replace(
        "filename=\"x.pdf\"",
        "filename=\"x.pdf\"; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd%07%E2%80%AE.pdf",
    );
    let res = post_form(&app, t, encoded.into_bytes(), &ct).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.json::<Value>().await.unwrap()["name"], "passwd.pdf");
    let long = format!("{}.pdf", "ả".repeat(1000));
    let f = uploaded(&app, t, &long, &pdf(6)).await;
    assert_eq!(f["name"].as_str().unwrap().chars().count(), 255);
    // The portal and the admin upload nothing.
    let admin_res = upload(&app, &demo.admin, "a.pdf", &pdf(7)).await;
    assert_problem(admin_res, 403).await;
    // Without a token: 401.
    let res = app
        .client
        .post(app.url("/api/v1/files"))
        .header("content-type", &ct)
        .body(form("file", "a.pdf", "application/pdf", &pdf(8)))
        .send()
        .await
        .unwrap();
    assert_problem(res, 401).await;
}

#[tokio::test]
async fn attaching_checks_each_file_and_writes_nothing_when_refused() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let task = staff_task(&app, &demo).await;
    let report = |attachments: Value, progress: i64| {
        let app = &app;
        let staff = demo.staff.clone();
        let task = task.clone();
        async move {
            app.post_json(
                &format!("/api/v1/tasks/{task}/reports"),
                &json!({"text": "Đã làm.", "progress": progress, "attachments": attachments}),
                Some(&staff),
            )
            .await
        }
    };
    let a = uploaded(&app, &demo.staff, "a.jpg", &jpeg(1, 1000)).await["id"].clone();
    let b = uploaded(&app, &demo.staff, "b.jpg", &jpeg(2, 1000)).await["id"].clone();
    // A report refused for another reason attaches nothing.
    assert_problem(report(json!([a]), 101).await, 422).await;
    let (_, f) = app
        .get_json(
            &format!("/api/v1/files/{}", a.as_str().unwrap()),
            &demo.staff,
        )
        .await;
    assert!(f["attached_to"].is_null(), "{f}");
    // The same file twice.
    let p = assert_problem(report(json!([a, a]), 10).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "attachments[1]");
    // A file of another bloc is not found.
    let (_, other) = app
        .other_bloc(&demo.admin, "Khối Móng Cái", "Quảng Ninh", "head.mongcai")
        .await;
    let theirs = uploaded(&app, &other, "c.pdf", &pdf(100)).await["id"].clone();
    assert_problem(report(json!([a, theirs]), 10).await, 404).await;
    // Attached once; then it cannot be attached elsewhere, nor removed.
    let res = report(json!([a]), 10).await;
    assert_eq!(res.status(), 201);
    let p = assert_problem(report(json!([b, a]), 20).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "attachments[1]");
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/files/{}", a.as_str().unwrap())))
        .bearer_auth(&demo.staff)
        .send()
        .await
        .unwrap();
    assert_problem(res, 409).await;
    // An unattached upload: the deputy may not remove someone else's, its uploader may; then
    // it is gone and cannot be attached.
    let remove = |token: &str| {
        app.client
            .delete(app.url(&format!("/api/v1/files/{}", b.as_str().unwrap())))
            .bearer_auth(token.to_string())
            .send()
    };
    assert_problem(remove(&demo.deputy).await.unwrap(), 403).await;
    assert_eq!(remove(&demo.staff).await.unwrap().status(), 204);
    assert_problem(remove(&demo.staff).await.unwrap(), 404).await;
    // Its record stays, marked removed; its content is gone.
    let (s, gone) = app
        .get_json(
            &format!("/api/v1/files/{}", b.as_str().unwrap()),
            &demo.staff,
        )
        .await;
    assert_eq!(s, 200);
    assert!(gone["removed_at"].is_string(), "{gone}");
    let res = download(&app, gone["content_href"].as_str().unwrap(), &demo.staff).await;
    assert_problem(res, 404).await;
    let p = assert_problem(report(json!([b]), 30).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "attachments[0]");
    // Its content left the store at once: of the demo bloc's, only a's remains.
    let ours = files_under(
        app.config
            .data_dir
            .join("files/objects/blocs")
            .join(&demo.bloc_id),
    );
    assert_eq!(ours.len(), 1, "{ours:?}");
}

#[tokio::test]
async fn a_campaign_figure_carries_its_tally() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let (_, campaigns) = app.get_json("/api/v1/campaigns", &demo.head).await;
    let campaign = campaigns["items"][0]["id"].as_str().unwrap().to_string();
    let (_, targets) = app
        .get_json(&format!("/api/v1/campaigns/{campaign}/targets"), &demo.head)
        .await;
    let target = &targets["items"][0];
    let (_, figures) = app
        .get_json(
            &format!(
                "/api/v1/campaigns/{campaign}/targets/{}/measurements",
                target["id"].as_str().unwrap()
            ),
            &demo.head,
        )
        .await;
    let sample = figures["items"][0].clone();
    let tally = uploaded(&app, &demo.staff, "Bảng tổng hợp.pdf", &pdf(3000)).await;
    let mut body = json!({
        "unit_id": sample["unit_id"],
        "measured_on": sample["measured_on"],
        "supersedes_id": sample["id"],
        "attachments": [tally["id"]],
    });
    for k in ["value", "numerator", "denominator", "met"] {
        if !sample[k].is_null() {
            body[k] = sample[k].clone();
        }
    }
    let path = format!(
        "/api/v1/campaigns/{campaign}/targets/{}/measurements",
        target["id"].as_str().unwrap()
    );
    let res = app.post_json(&path, &body, Some(&demo.staff)).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let (_, listed) = app.get_json(&path, &demo.head).await;
    let with = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["attachments"].as_array().is_some_and(|a| !a.is_empty()))
        .expect("the figure lists its tally")
        .clone();
    assert_eq!(with["attachments"][0]["name"], "Bảng tổng hợp.pdf");
    let (status, one) = app
        .get_json(
            &format!("{path}/{}", with["id"].as_str().unwrap()),
            &demo.head,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(one["attachments"][0]["id"], tally["id"]);
}

#[tokio::test]
async fn unattached_uploads_are_removed_after_their_time() {
    let app = spawn_app_with(|c| {
        c.notifications.scheduler = true;
        c.notifications.scheduler_interval = Duration::from_millis(200);
        c.files.unattached_ttl = Duration::from_secs(2);
    })
    .await;
    let demo = app.seed_demo().await;
    let task = staff_task(&app, &demo).await;
    let kept = uploaded(&app, &demo.staff, "giu.jpg", &jpeg(1, 1000)).await;
    let left = uploaded(&app, &demo.staff, "bo.jpg", &jpeg(2, 1000)).await;
    let res = app
        .post_json(
            &format!("/api/v1/tasks/{task}/reports"),
            &json!({"text": "Đã làm.", "progress": 50, "attachments": [kept["id"]]}),
            Some(&demo.staff),
        )
        .await;
    assert_eq!(res.status(), 201);
    let gone = eventually(20, async || {
        let (s, f) = app
            .get_json(
                &format!("/api/v1/files/{}", left["id"].as_str().unwrap()),
                &demo.staff,
            )
            .await;
        (s == 200 && f["removed_at"].is_string() && objects(&app).len() == 1).then_some(())
    })
    .await;
    assert!(
        gone.is_some(),
        "the unattached upload expired and its content left"
    );
    let (s, _) = app
        .get_json(
            &format!("/api/v1/files/{}", kept["id"].as_str().unwrap()),
            &demo.staff,
        )
        .await;
    assert_eq!(s, 200);
    let (_, audit) = app
        .get_json(
            &format!(
                "/api/v1/audit-log?resource_type=file&resource_id={}",
                left["id"].as_str().unwrap()
            ),
            &demo.head,
        )
        .await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "expire"),
        "{audit}"
    );
}

/// A phone photo's location and camera metadata are removed before it is stored, unless the
/// bloc keeps them; the picture's bytes are untouched either way.
#[tokio::test]
async fn photos_lose_their_location_unless_the_bloc_keeps_it() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let taken = jpeg_with_location(9, 5000);
    let f = uploaded(&app, &demo.staff, "thôn 3.jpg", &taken).await;
    let res = download(&app, f["content_href"].as_str().unwrap(), &demo.staff).await;
    let stored = res.bytes().await.unwrap().to_vec();
    assert!(
        !stored.windows(5).any(|w| w == b"Apple"),
        "the make is gone"
    );
    assert_eq!(stored, jpeg(9, 5000), "only the metadata went");
    assert_eq!(f["size"], stored.len());
    assert_eq!(f["sha256"], sha256_hex(&stored));
    // A bloc whose evidence needs the place keeps it.
    let path = format!("/api/v1/blocs/{}", demo.bloc_id);
    let res = app
        .patch_json(
            &path,
            &json!({"keep_photo_metadata": true}),
            &demo.head,
            None,
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let f = uploaded(&app, &demo.staff, "thôn 3 (vị trí).jpg", &taken).await;
    let res = download(&app, f["content_href"].as_str().unwrap(), &demo.staff).await;
    assert_eq!(res.bytes().await.unwrap().as_ref(), taken.as_slice());
    // A photo whose structure cannot be read is refused rather than stored with its location.
    let mut broken = taken.clone();
    broken.truncate(30);
    let res = app
        .patch_json(
            &path,
            &json!({"keep_photo_metadata": false}),
            &demo.head,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_problem(upload(&app, &demo.staff, "hỏng.jpg", &broken).await, 415).await;
}

/// Findings, the addressee's responses and meetings carry their evidence too.
#[tokio::test]
async fn findings_responses_and_minutes_carry_files() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    let res = app
        .post_json(
            "/api/v1/supervisions",
            &json!({"kind": "supervision", "title": "Giám sát quy chế dân chủ ở cơ sở", "subject": "UBND xã Quảng Long", "planned_start_on": "2016-05-09", "planned_end_on": "2016-05-20"}),
            Some(h),
        )
        .await;
    let s = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .patch_json(
            &format!("/api/v1/supervisions/{s}"),
            &json!({"status": "in_progress"}),
            h,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let photo = uploaded(&app, h, "Bảng niêm yết.jpg", &jpeg(4, 2000)).await;
    let res = app
        .post_json(
            &format!("/api/v1/supervisions/{s}/findings"),
            &json!({"text": "Chưa niêm yết công khai dự toán ngân sách xã.", "severity": "medium", "attachments": [photo["id"]]}),
            Some(h),
        )
        .await;
    assert_eq!(res.status(), 201);
    let (_, findings) = app
        .get_json(&format!("/api/v1/supervisions/{s}/findings"), h)
        .await;
    assert_eq!(
        findings["items"][0]["attachments"][0]["id"], photo["id"],
        "{findings}"
    );
    let res = app
        .post_json(
            &format!("/api/v1/supervisions/{s}/recommendations"),
            &json!({"addressee": "UBND xã Quảng Long", "text": "Niêm yết công khai dự toán ngân sách xã."}),
            Some(h),
        )
        .await;
    let r = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let answer = uploaded(&app, h, "Công văn trả lời.pdf", &pdf(900)).await;
    let res = app
        .post_json(
            &format!("/api/v1/supervisions/{s}/recommendations/{r}/responses"),
            &json!({"responded_on": "2016-05-12", "text": "UBND xã đã niêm yết.", "attachments": [answer["id"]]}),
            Some(h),
        )
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let (_, rec) = app
        .get_json(&format!("/api/v1/supervisions/{s}/recommendations/{r}"), h)
        .await;
    assert_eq!(
        rec["responses"][0]["attachments"][0]["id"], answer["id"],
        "{rec}"
    );
    let minute = uploaded(&app, h, "Biên bản giao ban.pdf", &pdf(700)).await;
    let res = app
        .post_json(
            "/api/v1/meetings",
            &json!({"kind": "weekly_leadership", "held_on": "2016-02-01", "minutes": "Thống nhất phân công nhiệm vụ tuần.", "attachments": [minute["id"]]}),
            Some(h),
        )
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["attachments"][0]["name"], "Biên bản giao ban.pdf");
    // A model registered in a campaign, with its photo.
    let (_, campaigns) = app.get_json("/api/v1/campaigns", h).await;
    let campaign = campaigns["items"][0]["id"].as_str().unwrap().to_string();
    let (_, units) = app.get_json("/api/v1/units", h).await;
    let (_, c) = app
        .get_json(&format!("/api/v1/campaigns/{campaign}"), h)
        .await;
    let model = uploaded(&app, h, "Mô hình.jpg", &jpeg(5, 900)).await;
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/registrations"),
            &json!({"title": "Mô hình \"Dân vận khéo\" thôn Đồng Tâm", "registered_on": c["start_on"],
                    "unit_id": units["items"][0]["id"], "attachments": [model["id"]]}),
            Some(h),
        )
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["attachments"][0]["id"], model["id"]);
    let (_, listed) = app
        .get_json(&format!("/api/v1/campaigns/{campaign}/registrations"), h)
        .await;
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["attachments"][0]["id"] == model["id"]),
        "{listed}"
    );
    // A signed minute added later, by editing the meeting.
    let signed = uploaded(&app, h, "Biên bản có chữ ký.pdf", &pdf(800)).await;
    let res = app
        .patch_json(
            &format!("/api/v1/meetings/{}", m["id"].as_str().unwrap()),
            &json!({"attachments": [signed["id"]]}),
            h,
            None,
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["attachments"].as_array().unwrap().len(), 2, "{m}");
}

/// Uploads racing for the last of a bloc's quota: together they never store more than it.
#[tokio::test]
async fn concurrent_uploads_never_pass_the_quota_together() {
    let app = spawn_app_with(|c| c.files.quota_bytes = 100 * 1024).await;
    let demo = app.seed_demo().await;
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    let mut tries = Vec::new();
    for i in 0..8u8 {
        let body = form(
            "file",
            &format!("{i}.pdf"),
            "application/pdf",
            &pdf(30 * 1024 + i as usize),
        );
        tries.push(post_form(&app, &demo.staff, body, &ct));
    }
    let mut stored = 0;
    for res in futures_util::future::join_all(tries).await {
        match res.status().as_u16() {
            201 => stored += 1,
            409 => {}
            s => panic!("{s}: {:?}", res.text().await),
        }
    }
    assert_eq!(
        stored, 3,
        "three of 30 KiB fit in 100 KiB, a fourth does not"
    );
    let bytes: u64 = objects(&app)
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    assert!(bytes <= 100 * 1024, "{bytes} bytes stored");
}

/// An instance receives a bounded number of uploads at once: the next is refused before a byte
/// of it is read (503, Retry-After), and is taken once one finishes.
#[tokio::test]
async fn uploads_beyond_the_instance_s_share_wait_their_turn() {
    let app = spawn_app_with(|c| c.files.max_concurrent = 1).await;
    let demo = app.seed_demo().await;
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    let body = form("file", "cham.pdf", "application/pdf", &pdf(5000));
    let (head, tail) = body.split_at(1000);
    let (release, held) = tokio::sync::oneshot::channel::<()>();
    let first_part = actix_web::web::Bytes::copy_from_slice(head);
    let rest = actix_web::web::Bytes::copy_from_slice(tail);
    use futures_util::StreamExt;
    let slow = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first_part) })
        .chain(futures_util::stream::once(async move {
            let _ = held.await;
            Ok::<_, std::io::Error>(rest)
        }));
    let slow = app
        .client
        .post(app.url("/api/v1/files"))
        .bearer_auth(&demo.staff)
        .header("content-type", &ct)
        .body(reqwest::Body::wrap_stream(slow))
        .send();
    let slow = tokio::spawn(slow);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let res = upload(&app, &demo.staff, "nhanh.pdf", &pdf(100)).await;
    assert_eq!(res.headers()["retry-after"], "5");
    assert_problem(res, 503).await;
    release.send(()).unwrap();
    assert_eq!(slow.await.unwrap().unwrap().status(), 201);
    uploaded(&app, &demo.staff, "nhanh.pdf", &pdf(100)).await;
}

/// The sweep goes on past an upload it may not remove (its bloc was dissolved, and a
/// dissolved bloc's record is read-only): the other blocs' expired uploads still go.
#[tokio::test]
async fn the_sweep_goes_on_past_a_dissolved_blocs_uploads() {
    let app = spawn_app_with(|c| {
        c.notifications.scheduler = true;
        c.notifications.scheduler_interval = Duration::from_millis(200);
        c.files.unattached_ttl = Duration::from_secs(2);
    })
    .await;
    let demo = app.seed_demo().await;
    let admin = &demo.admin;
    let app = &app;
    let open = |body: Value| async move {
        let res = app.post_json("/api/v1/blocs", &body, Some(admin)).await;
        assert_eq!(res.status(), 201);
        res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let pw = crate::helpers::DEMO_PASSWORD;
    let province = open(
        json!({"name": "Khối tỉnh Quảng Ninh", "level": "province", "province": "Quảng Ninh",
        "head": {"full_name": "Trưởng khối tỉnh", "username": "tinh.head", "password": pw}}),
    )
    .await;
    let district = open(
        json!({"name": "Khối huyện Tiên Yên", "level": "district", "province": "Quảng Ninh",
        "parent_id": province, "established_on": "2016-01-25",
        "head": {"full_name": "Trưởng khối huyện", "username": "huyen.head", "password": pw}}),
    )
    .await;
    let huyen = app.first_sign_in("huyen.head", pw).await.access;
    // The dissolved bloc's upload is the older, so the sweep meets it first.
    let stuck = uploaded(app, &huyen, "huyen.pdf", &pdf(300)).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let res = app
        .post_json(
            &format!("/api/v1/blocs/{district}/dissolution"),
            &json!({"dissolved_on": "2025-06-30", "successor_id": province, "decision": "Nghị quyết 202/2025/QH15"}),
            Some(admin),
        )
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let left = uploaded(app, &demo.staff, "bo.pdf", &pdf(400)).await;
    let gone = eventually(20, async || {
        let (_, f) = app
            .get_json(
                &format!("/api/v1/files/{}", left["id"].as_str().unwrap()),
                &demo.staff,
            )
            .await;
        f["removed_at"].is_string().then_some(())
    })
    .await;
    assert!(gone.is_some(), "the live bloc's expired upload was removed");
    let (_, f) = app
        .get_json(
            &format!("/api/v1/files/{}", stuck["id"].as_str().unwrap()),
            admin,
        )
        .await;
    assert!(
        f["removed_at"].is_null(),
        "a dissolved bloc's record stays as it was: {f}"
    );
}

/// A file store that does not answer is `503` with `Retry-After`, saying so (not blaming the
/// database), and the upload leaves nothing behind.
#[tokio::test]
async fn a_store_that_is_down_is_named_in_the_503() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let app = spawn_app_with(|c| {
        c.files.s3 = Some(khoi::config::S3Config {
            endpoint: format!("http://127.0.0.1:{port}"),
            bucket: "khoi-files".into(),
            region: "us-east-1".into(),
            access_key_id: "khoi".into(),
            secret_access_key: khoi::config::Secret::new("bí-mật"),
            path_style: true,
        })
    })
    .await;
    let demo = app.seed_demo().await;
    let res = upload(&app, &demo.staff, "a.pdf", &pdf(100)).await;
    assert!(res.headers().contains_key("retry-after"));
    let p = assert_problem(res, 503).await;
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("file store") && !detail.contains("database"),
        "{p}"
    );
    assert!(staged(&app).is_empty());
    let (s, files) = app
        .get_json("/api/v1/audit-log?resource_type=file", &demo.head)
        .await;
    assert_eq!(s, 200);
    assert!(files["items"].as_array().unwrap().is_empty(), "{files}");
}

/// A preview is turned upright as the phone said, made once per content, answered `304` when
/// held, and not made for what cannot be shown: a document, or an image claiming more pixels
/// than a camera takes (the service keeps answering). It leaves with its content.
#[tokio::test]
async fn previews_are_upright_made_once_and_refused_for_what_cannot_be_shown() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let upright = photo(3, 800, 400, Some(6));
    let f = uploaded(&app, &demo.staff, "chụp đứng.jpg", &upright).await;
    let href = f["preview_href"].as_str().unwrap().to_string();
    assert_eq!(
        href,
        format!("/api/v1/files/{}/preview", f["id"].as_str().unwrap())
    );
    let p = preview_of(&app, &href, &demo.staff).await;
    let img = image::load_from_memory(&p).unwrap();
    assert_eq!((img.width(), img.height()), (160, 320), "turned upright");
    let again = uploaded(&app, &demo.head, "chụp đứng (2).jpg", &upright).await;
    assert_eq!(
        preview_of(&app, again["preview_href"].as_str().unwrap(), &demo.head).await,
        p
    );
    let previews = || {
        objects(&app)
            .into_iter()
            .filter(|o| o.extension().is_some_and(|e| e == "preview"))
            .count()
    };
    assert_eq!(previews(), 1, "one preview per content");
    let res = download(&app, &href, &demo.staff).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let res = app
        .client
        .get(app.url(&href))
        .bearer_auth(&demo.staff)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    // A document has none.
    let doc = uploaded(&app, &demo.staff, "Biên bản.pdf", &pdf(1000)).await;
    assert!(doc["preview_href"].is_null());
    let res = download(
        &app,
        &format!("/api/v1/files/{}/preview", doc["id"].as_str().unwrap()),
        &demo.staff,
    )
    .await;
    assert_problem(res, 404).await;
    // A PNG that claims 12,000 × 12,000 pixels in a few bytes is not decoded.
    let bomb = {
        let mut png = vec![];
        use image::ImageEncoder;
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(&[0, 0, 0], 1, 1, image::ExtendedColorType::Rgb8)
            .unwrap();
        png[16..20].copy_from_slice(&12_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&12_000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    };
    let b = uploaded(&app, &demo.staff, "lớn.png", &bomb).await;
    let bhref = b["preview_href"].as_str().unwrap().to_string();
    let refused = eventually(10, async || {
        let res = download(&app, &bhref, &demo.staff).await;
        (res.status() == 404).then_some(())
    })
    .await;
    assert!(refused.is_some(), "no preview for the bomb");
    assert_problem(download(&app, &bhref, &demo.staff).await, 404).await;
    assert_eq!(app.get_json("/api/v1/me", &demo.staff).await.0, 200);
    // Another bloc sees nothing; removing both uploads removes the preview with the content.
    let (_, other) = app
        .other_bloc(&demo.admin, "Khối Móng Cái", "Lạng Sơn", "head.mongcai")
        .await;
    assert_problem(download(&app, &href, &other).await, 404).await;
    for (id, who) in [(&f["id"], &demo.staff), (&again["id"], &demo.head)] {
        let res = app
            .client
            .delete(app.url(&format!("/api/v1/files/{}", id.as_str().unwrap())))
            .bearer_auth(who)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
    }
    assert_eq!(previews(), 0, "the preview left with its content");
    assert_problem(download(&app, &href, &demo.staff).await, 404).await;
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
