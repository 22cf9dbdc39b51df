//! A photo's metadata removed before it is stored: the phone's location (GPS), its make, model
//! and serial, the owner's name, the time and the editing software live in JPEG's Exif/XMP/IPTC
//! segments, PNG's text and eXIf chunks, WebP's EXIF and XMP chunks and HEIC's Exif item. The
//! picture itself is copied byte for byte (never decoded and re-encoded), and a JPEG keeps
//! only its Exif orientation, without which a phone photo would show on its side.
//!
//! Run on a staging file, streaming: memory stays at a segment, not the photo.
use super::sniff::Kind;
use std::{
    fs::File,
    io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write},
    path::Path,
};

/// Copies `src` to `dst` without its metadata; `Ok(false)` for a kind that carries none this
/// module knows (the caller keeps `src`).
pub fn strip(kind: Kind, src: &Path, dst: &Path) -> io::Result<bool> {
    match kind {
        Kind::Jpeg => copy_with(src, dst, jpeg).map(|_| true),
        Kind::Png => copy_with(src, dst, png).map(|_| true),
        Kind::Webp => {
            copy_with(src, dst, webp)?;
            fix_riff_size(dst)?;
            Ok(true)
        }
        Kind::Heic => {
            std::fs::copy(src, dst)?;
            heic_blank_metadata(dst)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

fn copy_with(
    src: &Path,
    dst: &Path,
    f: fn(&mut BufReader<File>, &mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let mut r = BufReader::with_capacity(64 * 1024, File::open(src)?);
    let mut w = BufWriter::with_capacity(64 * 1024, File::create(dst)?);
    f(&mut r, &mut w)?;
    w.flush()
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

fn read_exact_vec(r: &mut impl Read, n: usize) -> io::Result<Vec<u8>> {
    let mut v = vec![0; n];
    r.read_exact(&mut v)?;
    Ok(v)
}

/// JPEG: the segments before the image data, without APP1 (Exif, XMP), APP13 (IPTC) and
/// comments; an orientation found in Exif is written back as a minimal Exif segment.
fn jpeg(r: &mut impl Read, w: &mut impl Write) -> io::Result<()> {
    let mut soi = [0u8; 2];
    r.read_exact(&mut soi)?;
    if soi != [0xFF, 0xD8] {
        return Err(invalid("not a JPEG"));
    }
    w.write_all(&soi)?;
    let mut orientation_written = false;
    loop {
        let mut b = [0u8; 1];
        r.read_exact(&mut b)?;
        if b[0] != 0xFF {
            return Err(invalid("a JPEG segment does not start with 0xFF"));
        }
        let mut marker = 0xFF;
        while marker == 0xFF {
            r.read_exact(&mut b)?;
            marker = b[0];
        }
        // Markers without a length.
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            w.write_all(&[0xFF, marker])?;
            continue;
        }
        if marker == 0xD9 {
            w.write_all(&[0xFF, marker])?;
            return Ok(());
        }
        let mut len = [0u8; 2];
        r.read_exact(&mut len)?;
        let len = u16::from_be_bytes(len) as usize;
        if len < 2 {
            return Err(invalid("a JPEG segment is too short"));
        }
        let body = read_exact_vec(r, len - 2)?;
        match marker {
            0xE1 => {
                if !orientation_written
                    && body.starts_with(b"Exif\0\0")
                    && let Some(o) = exif_orientation(&body[6..])
                {
                    w.write_all(&minimal_exif(o))?;
                    orientation_written = true;
                }
            }
            0xED | 0xFE => {}
            _ => {
                w.write_all(&[0xFF, marker])?;
                w.write_all(&((len as u16).to_be_bytes()))?;
                w.write_all(&body)?;
            }
        }
        if marker == 0xDA {
            // Start of scan: the image data and whatever follows are copied as they are.
            io::copy(r, w)?;
            return Ok(());
        }
    }
}

/// The Orientation tag (0x0112) of IFD0 in a TIFF structure, if present and valid (1–8).
fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let le = match tiff.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |i: usize| -> Option<u16> {
        let b = tiff.get(i..i + 2)?;
        Some(if le {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |i: usize| -> Option<u32> {
        let b = tiff.get(i..i + 4)?;
        Some(if le {
            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
        } else {
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        })
    };
    let ifd = u32_at(4)? as usize;
    let count = u16_at(ifd)? as usize;
    (0..count.min(512)).find_map(|i| {
        let e = ifd + 2 + 12 * i;
        (u16_at(e)? == 0x0112 && u16_at(e + 2)? == 3)
            .then(|| u16_at(e + 8))
            .flatten()
            .filter(|o| (1..=8).contains(o))
    })
}

/// An APP1 segment with an Exif IFD0 holding only the orientation.
fn minimal_exif(orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x0112u16.to_le_bytes());
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let len = (2 + 6 + tiff.len()) as u16;
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&len.to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    seg
}

/// PNG: every chunk but eXIf and the text chunks (tEXt, zTXt, iTXt: XMP lives in iTXt).
fn png(r: &mut impl Read, w: &mut impl Write) -> io::Result<()> {
    let sig = read_exact_vec(r, 8)?;
    if sig != b"\x89PNG\r\n\x1a\n" {
        return Err(invalid("not a PNG"));
    }
    w.write_all(&sig)?;
    loop {
        let mut head = [0u8; 8];
        match r.read_exact(&mut head) {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            other => other?,
        }
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as u64;
        let kind = [head[4], head[5], head[6], head[7]];
        let drop = matches!(&kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt");
        let mut rest = r.by_ref().take(len + 4);
        if drop {
            io::copy(&mut rest, &mut io::sink())?;
        } else {
            w.write_all(&head)?;
            if io::copy(&mut rest, w)? != len + 4 {
                return Err(invalid("a PNG chunk is cut off"));
            }
        }
        if &kind == b"IEND" {
            return Ok(());
        }
    }
}

/// WebP: every RIFF chunk but EXIF and XMP, with VP8X's flags for them cleared. The RIFF size
/// is fixed afterwards (`fix_riff_size`).
fn webp(r: &mut impl Read, w: &mut impl Write) -> io::Result<()> {
    let head = read_exact_vec(r, 12)?;
    if &head[0..4] != b"RIFF" || &head[8..12] != b"WEBP" {
        return Err(invalid("not a WebP"));
    }
    w.write_all(&head)?;
    loop {
        let mut ch = [0u8; 8];
        match r.read_exact(&mut ch) {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            other => other?,
        }
        let len = u32::from_le_bytes([ch[4], ch[5], ch[6], ch[7]]) as u64;
        let padded = len + (len & 1);
        let fourcc = [ch[0], ch[1], ch[2], ch[3]];
        if matches!(&fourcc, b"EXIF" | b"XMP ") {
            io::copy(&mut r.by_ref().take(padded), &mut io::sink())?;
            continue;
        }
        w.write_all(&ch)?;
        if &fourcc == b"VP8X" && len >= 1 {
            let mut flags = [0u8; 1];
            r.read_exact(&mut flags)?;
            w.write_all(&[flags[0] & !(0x08 | 0x04)])?;
            io::copy(&mut r.by_ref().take(padded - 1), w)?;
        } else if io::copy(&mut r.by_ref().take(padded), w)? != padded {
            return Err(invalid("a WebP chunk is cut off"));
        }
    }
}

fn fix_riff_size(path: &Path) -> io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    let total = f.metadata()?.len();
    let size = u32::try_from(total.saturating_sub(8)).map_err(|_| invalid("a WebP over 4 GiB"))?;
    f.seek(SeekFrom::Start(4))?;
    f.write_all(&size.to_le_bytes())
}

/// HEIC: the bytes of its Exif and XMP items overwritten with zeros in place (the file keeps
/// its layout; the picture and its rotation, an `irot` property, are untouched).
fn heic_blank_metadata(path: &Path) -> io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    let total = f.metadata()?.len();
    // Boxes before `mdat` are small; `meta` is read whole (at most 4 MiB).
    let mut pos = 0u64;
    while pos + 8 <= total {
        f.seek(SeekFrom::Start(pos))?;
        let mut h = [0u8; 8];
        f.read_exact(&mut h)?;
        let mut size = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as u64;
        let mut header = 8;
        if size == 1 {
            let mut big = [0u8; 8];
            f.read_exact(&mut big)?;
            size = u64::from_be_bytes(big);
            header = 16;
        } else if size == 0 {
            size = total - pos;
        }
        if size < header {
            return Err(invalid("a HEIC box is too short"));
        }
        if &h[4..8] == b"meta" {
            if size > 4 * 1024 * 1024 {
                return Err(invalid("a HEIC meta box over 4 MiB"));
            }
            let body = read_exact_vec(&mut f, (size - header) as usize)?;
            for (start, len) in metadata_extents(&body) {
                if start.checked_add(len).is_some_and(|end| end <= total) {
                    f.seek(SeekFrom::Start(start))?;
                    let zeros = vec![0u8; 64 * 1024];
                    let mut left = len;
                    while left > 0 {
                        let n = left.min(zeros.len() as u64) as usize;
                        f.write_all(&zeros[..n])?;
                        left -= n as u64;
                    }
                }
            }
            return Ok(());
        }
        pos += size;
    }
    Ok(())
}

/// The file extents (offset, length) of the Exif and XMP items of a `meta` box's body.
fn metadata_extents(meta: &[u8]) -> Vec<(u64, u64)> {
    let children = boxes(meta.get(4..).unwrap_or_default());
    let mut wanted: Vec<u32> = Vec::new();
    if let Some(iinf) = children.iter().find(|(t, _)| t == b"iinf") {
        let b = iinf.1;
        let v = b.first().copied().unwrap_or(0);
        let skip = if v == 0 { 6 } else { 8 };
        for (t, infe) in boxes(b.get(skip..).unwrap_or_default()) {
            if &t != b"infe" || infe.len() < 4 {
                continue;
            }
            let ver = infe[0];
            let (id, rest) = match ver {
                2 => (be16(infe, 4).map(u32::from), 8),
                3 => (be32(infe, 4), 10),
                _ => (None, 0),
            };
            let item_type = infe.get(rest..rest + 4);
            let is_xmp = item_type == Some(b"mime")
                && infe
                    .get(rest + 4..)
                    .is_some_and(|n| n.windows(19).any(|w| w == b"application/rdf+xml"));
            if let Some(id) = id
                && (item_type == Some(b"Exif") || is_xmp)
            {
                wanted.push(id);
            }
        }
    }
    let Some((_, iloc)) = children.iter().find(|(t, _)| t == b"iloc") else {
        return vec![];
    };
    iloc_extents(iloc, &wanted)
}

fn be16(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(i..i + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

fn be_n(b: &[u8], i: usize, n: usize) -> Option<u64> {
    let s = b.get(i..i + n)?;
    Some(s.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)))
}

/// The child boxes of `b` as (type, body).
fn boxes(b: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = vec![];
    let mut i = 0;
    while i + 8 <= b.len() {
        let size = be32(b, i).unwrap_or(0) as usize;
        if size < 8 || i + size > b.len() {
            break;
        }
        let t = [b[i + 4], b[i + 5], b[i + 6], b[i + 7]];
        out.push((t, &b[i + 8..i + size]));
        i += size;
    }
    out
}

/// The extents in the file (construction method 0) of `items` in an `iloc` box's body.
fn iloc_extents(b: &[u8], items: &[u32]) -> Vec<(u64, u64)> {
    let mut out = vec![];
    let Some(&ver) = b.first() else {
        return out;
    };
    let (Some(sizes), Some(sizes2)) = (b.get(4).copied(), b.get(5).copied()) else {
        return out;
    };
    let (off_size, len_size) = ((sizes >> 4) as usize, (sizes & 15) as usize);
    let base_size = (sizes2 >> 4) as usize;
    let index_size = if ver >= 1 { (sizes2 & 15) as usize } else { 0 };
    let mut i = 6;
    let count = if ver < 2 {
        let c = be16(b, i).map(u32::from);
        i += 2;
        c
    } else {
        let c = be32(b, i);
        i += 4;
        c
    };
    for _ in 0..count.unwrap_or(0).min(10_000) {
        let id = if ver < 2 {
            let v = be16(b, i).map(u32::from);
            i += 2;
            v
        } else {
            let v = be32(b, i);
            i += 4;
            v
        };
        let method = if ver >= 1 {
            let m = be16(b, i).map(|m| m & 15);
            i += 2;
            m
        } else {
            Some(0)
        };
        i += 2; // data reference index
        let base = be_n(b, i, base_size).unwrap_or(0);
        i += base_size;
        let Some(extents) = be16(b, i) else {
            return out;
        };
        i += 2;
        for _ in 0..extents {
            i += index_size;
            let off = be_n(b, i, off_size).unwrap_or(0);
            i += off_size;
            let len = be_n(b, i, len_size).unwrap_or(0);
            i += len_size;
            if let Some(id) = id
                && items.contains(&id)
                && method == Some(0)
                && len > 0
            {
                out.push((base + off, len));
            }
        }
        if i > b.len() {
            return out;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("khoi-photo-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        d.join(name)
    }

    fn exif_with_gps_and_orientation(orientation: u16) -> Vec<u8> {
        // IFD0: Make "Apple", Orientation, GPS IFD pointer; GPS IFD: latitude ref "N".
        let mut t = b"MM\0*\0\0\0\x08".to_vec();
        t.extend_from_slice(&3u16.to_be_bytes());
        for (tag, typ, count, value) in [
            (0x010Fu16, 2u16, 6u32, 50u32),
            (0x0112, 3, 1, (orientation as u32) << 16),
            (0x8825, 4, 1, 56),
        ] {
            t.extend_from_slice(&tag.to_be_bytes());
            t.extend_from_slice(&typ.to_be_bytes());
            t.extend_from_slice(&count.to_be_bytes());
            t.extend_from_slice(&value.to_be_bytes());
        }
        t.extend_from_slice(&0u32.to_be_bytes());
        t.extend_from_slice(b"Apple\0");
        t.extend_from_slice(&1u16.to_be_bytes());
        t.extend_from_slice(&[0x00, 0x01, 0x00, 0x02, 0, 0, 0, 2]);
        t.extend_from_slice(b"N\0\0\0");
        t.extend_from_slice(&0u32.to_be_bytes());
        let mut seg = vec![0xFF, 0xE1];
        seg.extend_from_slice(&((t.len() + 8) as u16).to_be_bytes());
        seg.extend_from_slice(b"Exif\0\0");
        seg.extend_from_slice(&t);
        seg
    }

    #[test]
    fn a_jpeg_loses_its_location_and_keeps_its_picture_and_orientation() {
        let mut j = vec![0xFF, 0xD8];
        j.extend_from_slice(&[
            0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
        ]);
        j.extend(exif_with_gps_and_orientation(6));
        let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude 21.4</x:xmpmeta>";
        j.extend_from_slice(&[0xFF, 0xE1]);
        j.extend_from_slice(&((xmp.len() + 2) as u16).to_be_bytes());
        j.extend_from_slice(xmp);
        j.extend_from_slice(&[0xFF, 0xFE, 0, 9, b'L', b'y', b' ', b'V', b'a', b'n', b'C']);
        j.extend_from_slice(&[0xFF, 0xDB, 0, 4, 7, 7]);
        j.extend_from_slice(&[
            0xFF, 0xDA, 0, 4, 1, 2, 0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9,
        ]);
        let (src, dst) = (tmp("a.jpg"), tmp("b.jpg"));
        std::fs::write(&src, &j).unwrap();
        assert!(strip(Kind::Jpeg, &src, &dst).unwrap());
        let out = std::fs::read(&dst).unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(
            !text.contains("Apple") && !text.contains("GPSLatitude") && !text.contains("LyVan")
        );
        assert!(out.starts_with(&[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(out.ends_with(&[
            0xFF, 0xDA, 0, 4, 1, 2, 0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9
        ]));
        let at = out.windows(6).position(|w| w == b"Exif\0\0").unwrap();
        assert_eq!(exif_orientation(&out[at + 6..]), Some(6));
        // Stripping again changes nothing.
        let again = tmp("c.jpg");
        strip(Kind::Jpeg, &dst, &again).unwrap();
        assert_eq!(std::fs::read(&again).unwrap(), out);
    }

    #[test]
    fn a_png_loses_its_text_and_exif_chunks() {
        let chunk = |t: &[u8; 4], d: &[u8]| {
            let mut c = (d.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(t);
            c.extend_from_slice(d);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
        p.extend(chunk(b"IHDR", &[0; 13]));
        p.extend(chunk(b"eXIf", b"MM\0*GPS"));
        p.extend(chunk(b"iTXt", b"XML:com.adobe.xmp\0GPSLatitude"));
        p.extend(chunk(b"IDAT", b"pixels"));
        p.extend(chunk(b"IEND", b""));
        let (src, dst) = (tmp("a.png"), tmp("b.png"));
        std::fs::write(&src, &p).unwrap();
        strip(Kind::Png, &src, &dst).unwrap();
        let out = std::fs::read(&dst).unwrap();
        let mut want = b"\x89PNG\r\n\x1a\n".to_vec();
        want.extend(chunk(b"IHDR", &[0; 13]));
        want.extend(chunk(b"IDAT", b"pixels"));
        want.extend(chunk(b"IEND", b""));
        assert_eq!(out, want);
    }

    #[test]
    fn a_webp_loses_its_exif_and_xmp_chunks_and_flags() {
        let chunk = |t: &[u8; 4], d: &[u8]| {
            let mut c = t.to_vec();
            c.extend_from_slice(&(d.len() as u32).to_le_bytes());
            c.extend_from_slice(d);
            if d.len() % 2 == 1 {
                c.push(0);
            }
            c
        };
        let body = [
            chunk(b"VP8X", &[0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            chunk(b"VP8 ", b"frame"),
            chunk(b"EXIF", b"MM\0*GPS"),
            chunk(b"XMP ", b"<x>GPS</x>"),
        ]
        .concat();
        let mut w = b"RIFF".to_vec();
        w.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
        w.extend_from_slice(b"WEBP");
        w.extend_from_slice(&body);
        let (src, dst) = (tmp("a.webp"), tmp("b.webp"));
        std::fs::write(&src, &w).unwrap();
        strip(Kind::Webp, &src, &dst).unwrap();
        let out = std::fs::read(&dst).unwrap();
        let kept = [
            chunk(b"VP8X", &[0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            chunk(b"VP8 ", b"frame"),
        ]
        .concat();
        let mut want = b"RIFF".to_vec();
        want.extend_from_slice(&((kept.len() + 4) as u32).to_le_bytes());
        want.extend_from_slice(b"WEBP");
        want.extend_from_slice(&kept);
        assert_eq!(out, want);
    }

    #[test]
    fn a_heic_has_its_exif_item_blanked_in_place() {
        let bx = |t: &[u8; 4], d: &[u8]| {
            let mut c = ((d.len() + 8) as u32).to_be_bytes().to_vec();
            c.extend_from_slice(t);
            c.extend_from_slice(d);
            c
        };
        let infe = |id: u16, t: &[u8; 4]| {
            let mut d = vec![2, 0, 0, 0];
            d.extend_from_slice(&id.to_be_bytes());
            d.extend_from_slice(&[0, 0]);
            d.extend_from_slice(t);
            d.push(0);
            bx(b"infe", &d)
        };
        let mut iinf = vec![0, 0, 0, 0, 0, 2];
        iinf.extend(infe(1, b"hvc1"));
        iinf.extend(infe(2, b"Exif"));
        let ftyp = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
        // iloc v0, offset/length 4 bytes, base 0: item 1 (the picture, 6 bytes) and item 2
        // (Exif, 6 bytes) one after the other in `mdat`.
        let iloc = |a: u32, b: u32| {
            let mut d = vec![0, 0, 0, 0, 0x44, 0x00];
            d.extend_from_slice(&2u16.to_be_bytes());
            for (id, off) in [(1u16, a), (2, b)] {
                d.extend_from_slice(&id.to_be_bytes());
                d.extend_from_slice(&[0, 0]);
                d.extend_from_slice(&1u16.to_be_bytes());
                d.extend_from_slice(&off.to_be_bytes());
                d.extend_from_slice(&6u32.to_be_bytes());
            }
            bx(b"iloc", &d)
        };
        let file_with = |a: u32, b: u32| {
            let mut meta = vec![0, 0, 0, 0];
            meta.extend(bx(b"iinf", &iinf));
            meta.extend(iloc(a, b));
            let mut file = ftyp.clone();
            file.extend(bx(b"meta", &meta));
            file
        };
        let mdat_at = file_with(0, 0).len() as u32;
        let mut file = file_with(mdat_at + 8, mdat_at + 14);
        file.extend(bx(b"mdat", b"PIXELSGPS21N"));
        let (src, dst) = (tmp("a.heic"), tmp("b.heic"));
        std::fs::write(&src, &file).unwrap();
        strip(Kind::Heic, &src, &dst).unwrap();
        let out = std::fs::read(&dst).unwrap();
        assert_eq!(out.len(), file.len());
        assert!(
            out.ends_with(b"PIXELS\0\0\0\0\0\0"),
            "{:?}",
            &out[out.len() - 12..]
        );
        assert_eq!(&out[..file.len() - 6], &file[..file.len() - 6]);
    }

    #[test]
    fn a_broken_photo_is_an_error_not_a_panic() {
        let (src, dst) = (tmp("x.jpg"), tmp("y.jpg"));
        std::fs::write(&src, [0xFF, 0xD8, 0xFF, 0xE1, 0x00]).unwrap();
        assert!(strip(Kind::Jpeg, &src, &dst).is_err());
        std::fs::write(&src, [0xFF, 0xD8, 0x00]).unwrap();
        assert!(strip(Kind::Jpeg, &src, &dst).is_err());
    }
}
