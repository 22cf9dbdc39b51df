//! What a file is, from its content: the name and the type a client claims are never trusted
//! (an HTML page named `.jpg` is refused). Office documents are zip archives and are told apart
//! by what the archive holds once the whole upload is in.
/// The types an upload may be, each known by its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Heic,
    Webp,
    Pdf,
    Docx,
    Xlsx,
    Odt,
    Ods,
    Mp4,
}

pub const ALL: [Kind; 10] = [
    Kind::Jpeg,
    Kind::Png,
    Kind::Heic,
    Kind::Webp,
    Kind::Pdf,
    Kind::Docx,
    Kind::Xlsx,
    Kind::Odt,
    Kind::Ods,
    Kind::Mp4,
];

impl Kind {
    /// The name in `KHOI_FILES_TYPES`: the configuration's list is in the order of `ALL`.
    pub fn name(self) -> &'static str {
        crate::config::FILE_TYPES[self as usize]
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Heic => "image/heic",
            Kind::Webp => "image/webp",
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Kind::Odt => "application/vnd.oasis.opendocument.text",
            Kind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            Kind::Mp4 => "video/mp4",
        }
    }

    pub fn from_media_type(s: &str) -> Option<Kind> {
        ALL.into_iter().find(|k| k.media_type() == s)
    }

    /// What a browser or phone shows itself (the rest is saved as a download).
    pub fn shown_inline(self) -> bool {
        matches!(
            self,
            Kind::Jpeg | Kind::Png | Kind::Webp | Kind::Heic | Kind::Pdf | Kind::Mp4
        )
    }

    /// Photos, whose camera metadata (the phone's location among it) the service removes.
    pub fn is_photo(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png | Kind::Webp | Kind::Heic)
    }
}

/// What the first bytes say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    Is(Kind),
    /// A zip archive that is not an OpenDocument: a DOCX or XLSX if its entries say so.
    Zip,
    Unknown,
}

/// How many bytes `sniff` wants (fewer when the whole file is shorter).
pub const HEAD: usize = 128;

pub fn sniff(head: &[u8]) -> Sniffed {
    let at = |i: usize, s: &[u8]| head.get(i..i + s.len()) == Some(s);
    if at(0, &[0xFF, 0xD8, 0xFF]) {
        return Sniffed::Is(Kind::Jpeg);
    }
    if at(0, b"\x89PNG\r\n\x1a\n") {
        return Sniffed::Is(Kind::Png);
    }
    if at(0, b"RIFF") && at(8, b"WEBPVP8") {
        return Sniffed::Is(Kind::Webp);
    }
    if at(0, b"%PDF-") {
        return Sniffed::Is(Kind::Pdf);
    }
    if at(4, b"ftyp") {
        return iso_media(head);
    }
    if at(0, b"PK\x03\x04") {
        // OpenDocument puts an uncompressed `mimetype` entry first, its content right after.
        if at(30, b"mimetypeapplication/vnd.oasis.opendocument.") {
            let rest = &head[30 + 43..];
            if rest.starts_with(b"text") && !rest.starts_with(b"text-") {
                return Sniffed::Is(Kind::Odt);
            }
            if rest.starts_with(b"spreadsheet") && !rest.starts_with(b"spreadsheet-") {
                return Sniffed::Is(Kind::Ods);
            }
            return Sniffed::Unknown;
        }
        return Sniffed::Zip;
    }
    Sniffed::Unknown
}

/// An ISO base media file (`ftyp` box): HEIC/HEIF images and MP4 video, by their brands.
fn iso_media(head: &[u8]) -> Sniffed {
    const HEIF: [&[u8; 4]; 8] = [
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
    ];
    const MP4: [&[u8; 4]; 10] = [
        b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"mmp4",
    ];
    let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let end = size.clamp(16, head.len());
    // The major brand, then the compatible ones (a photo may be `mif1` major and `heic` beside).
    let brands: Vec<&[u8]> = std::iter::once(&head[8..12.min(head.len())])
        .chain(head.get(16..end).unwrap_or(&[]).chunks_exact(4))
        .collect();
    let has = |set: &[&[u8; 4]]| brands.iter().any(|b| set.iter().any(|s| &s[..] == *b));
    if brands[0] == b"qt  " {
        // QuickTime (.mov) is not MP4, however close.
        return Sniffed::Unknown;
    }
    if has(&HEIF) && !brands.iter().any(|b| *b == b"avif") {
        return Sniffed::Is(Kind::Heic);
    }
    if has(&MP4) {
        return Sniffed::Is(Kind::Mp4);
    }
    Sniffed::Unknown
}

/// A DOCX or an XLSX, by the entries of the archive at `path`; anything else is `None`.
/// Only the central directory is read: nothing is decompressed.
pub fn office(path: &std::path::Path) -> Option<Kind> {
    let f = std::fs::File::open(path).ok()?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f)).ok()?;
    let has = |zip: &mut zip::ZipArchive<_>, name: &str| zip.by_name(name).is_ok();
    if !has(&mut zip, "[Content_Types].xml") {
        return None;
    }
    if has(&mut zip, "word/document.xml") {
        return Some(Kind::Docx);
    }
    if has(&mut zip, "xl/workbook.xml") {
        return Some(Kind::Xlsx);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// The first `HEAD` bytes of a file (fewer if it is shorter).
    fn head_of(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
        let mut buf = Vec::with_capacity(HEAD);
        std::fs::File::open(path)?
            .take(HEAD as u64)
            .read_to_end(&mut buf)?;
        Ok(buf)
    }

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut v = (size as u32).to_be_bytes().to_vec();
        v.extend_from_slice(b"ftyp");
        v.extend_from_slice(major);
        v.extend_from_slice(&[0, 0, 0, 0]);
        for c in compatible {
            v.extend_from_slice(*c);
        }
        v.extend_from_slice(&[0; 32]);
        v
    }

    #[test]
    fn images_and_documents_are_known_by_their_bytes() {
        assert_eq!(
            sniff(b"\xFF\xD8\xFF\xE0\x00\x10JFIF"),
            Sniffed::Is(Kind::Jpeg)
        );
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Sniffed::Is(Kind::Png));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Sniffed::Is(Kind::Webp));
        assert_eq!(sniff(b"%PDF-1.7\n"), Sniffed::Is(Kind::Pdf));
        assert_eq!(sniff(&ftyp(b"heic", &[b"mif1"])), Sniffed::Is(Kind::Heic));
        assert_eq!(
            sniff(&ftyp(b"mif1", &[b"miaf", b"heic"])),
            Sniffed::Is(Kind::Heic)
        );
        assert_eq!(sniff(&ftyp(b"isom", &[b"mp41"])), Sniffed::Is(Kind::Mp4));
        assert_eq!(sniff(&ftyp(b"mp42", &[])), Sniffed::Is(Kind::Mp4));
    }

    #[test]
    fn look_alikes_are_not_let_in() {
        // An HTML page named .jpg, an SVG, a script, AVIF and QuickTime.
        assert_eq!(sniff(b"<!doctype html><script>"), Sniffed::Unknown);
        assert_eq!(sniff(b"<svg xmlns="), Sniffed::Unknown);
        assert_eq!(sniff(b"#!/bin/sh\n"), Sniffed::Unknown);
        assert_eq!(sniff(&ftyp(b"avif", &[b"mif1", b"miaf"])), Sniffed::Unknown);
        assert_eq!(sniff(&ftyp(b"qt  ", &[b"isom"])), Sniffed::Unknown);
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), Sniffed::Unknown);
        assert_eq!(sniff(b""), Sniffed::Unknown);
        assert_eq!(sniff(b"\xFF\xD8"), Sniffed::Unknown);
    }

    #[test]
    fn open_document_is_told_by_its_mimetype_entry() {
        let odf = |m: &str| {
            let mut v = b"PK\x03\x04".to_vec();
            v.extend_from_slice(&[0; 26]);
            v.extend_from_slice(b"mimetype");
            v.extend_from_slice(m.as_bytes());
            v.extend_from_slice(b"PK\x03\x04");
            v
        };
        assert_eq!(
            sniff(&odf("application/vnd.oasis.opendocument.text")),
            Sniffed::Is(Kind::Odt)
        );
        assert_eq!(
            sniff(&odf("application/vnd.oasis.opendocument.spreadsheet")),
            Sniffed::Is(Kind::Ods)
        );
        assert_eq!(
            sniff(&odf("application/vnd.oasis.opendocument.text-template")),
            Sniffed::Unknown
        );
        assert_eq!(
            sniff(&odf("application/vnd.oasis.opendocument.presentation")),
            Sniffed::Unknown
        );
        assert_eq!(sniff(b"PK\x03\x04\x14\0\0\0"), Sniffed::Zip);
    }

    #[test]
    fn office_documents_are_told_by_their_entries() {
        let dir = std::env::temp_dir().join(format!("khoi-sniff-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let make = |name: &str, entries: &[&str]| {
            let p = dir.join(name);
            let mut w = zip::ZipWriter::new(std::fs::File::create(&p).unwrap());
            for e in entries {
                w.start_file(*e, zip::write::SimpleFileOptions::default())
                    .unwrap();
                std::io::Write::write_all(&mut w, b"<x/>").unwrap();
            }
            w.finish().unwrap();
            p
        };
        let docx = make("a.docx", &["[Content_Types].xml", "word/document.xml"]);
        let xlsx = make("a.xlsx", &["[Content_Types].xml", "xl/workbook.xml"]);
        let other = make("a.zip", &["readme.txt", "word/document.xml"]);
        assert_eq!(sniff(&head_of(&docx).unwrap()), Sniffed::Zip);
        assert_eq!(office(&docx), Some(Kind::Docx));
        assert_eq!(office(&xlsx), Some(Kind::Xlsx));
        assert_eq!(office(&other), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
