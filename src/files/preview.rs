//! Previews for phones: a small JPEG of an image (JPEG, PNG or WebP; HEIC has no decoder
//! here), turned as the photo's orientation says, transparency laid on white.
use super::sniff::Kind;
use image::{
    DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, Rgb, RgbImage,
    codecs::jpeg::JpegEncoder, metadata::Orientation,
};

/// The longer side of a preview, in pixels: a list row or a grid cell on a phone, twice over
/// for its dense screen.
pub const SIDE: u32 = 320;
pub const MEDIA_TYPE: &str = "image/jpeg";
const QUALITY: u8 = 80;
/// Larger images are not decoded: a few kilobytes of PNG can claim 100,000 × 100,000 pixels.
/// 64 million pixels is beyond any phone camera's default mode (a 50 MP sensor included).
const MAX_PIXELS: u64 = 64_000_000;

/// Whether content of this kind gets a preview.
pub fn has_preview(kind: Kind) -> bool {
    matches!(kind, Kind::Jpeg | Kind::Png | Kind::Webp)
}

/// The preview of `bytes` (content of `kind`), or why there is none.
pub fn make(kind: Kind, bytes: &[u8]) -> Result<Vec<u8>, String> {
    let format = match kind {
        Kind::Jpeg => ImageFormat::Jpeg,
        Kind::Png => ImageFormat::Png,
        Kind::Webp => ImageFormat::WebP,
        other => return Err(format!("{} has no preview", other.name())),
    };
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    // One decoded image at a time per instance: 64 MP in RGBA is 256 MiB.
    limits.max_alloc = Some(MAX_PIXELS * 4 + (16 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!(
            "{w} × {h} pixels is larger than previews are made for"
        ));
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    let mut small = if w > SIDE || h > SIDE {
        image.thumbnail(SIDE, SIDE)
    } else {
        image
    };
    small.apply_orientation(orientation);
    let rgb = on_white(small);
    let mut out = Vec::with_capacity(32 * 1024);
    JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&rgb)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// RGB, transparent parts laid on white (JPEG has no transparency; black would hide text).
fn on_white(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = u16::from(p[3]);
        let mix = |c: u8| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        Rgb([mix(p[0]), mix(p[1]), mix(p[2])])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, Rgba, RgbaImage, codecs::png::PngEncoder};

    fn png(img: &RgbaImage) -> Vec<u8> {
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(
                img,
                img.width(),
                img.height(),
                image::ExtendedColorType::Rgba8,
            )
            .unwrap();
        out
    }

    fn decoded(jpeg: &[u8]) -> DynamicImage {
        image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg).unwrap()
    }

    #[test]
    fn a_large_image_fits_the_side_and_keeps_its_shape() {
        let img = RgbaImage::from_pixel(1600, 1200, Rgba([200, 30, 30, 255]));
        let p = decoded(&make(Kind::Png, &png(&img)).unwrap());
        assert_eq!((p.width(), p.height()), (320, 240));
    }

    #[test]
    fn a_small_image_is_not_enlarged() {
        let img = RgbaImage::from_pixel(40, 10, Rgba([0, 0, 255, 255]));
        let p = decoded(&make(Kind::Png, &png(&img)).unwrap());
        assert_eq!((p.width(), p.height()), (40, 10));
    }

    #[test]
    fn transparency_is_laid_on_white() {
        let img = RgbaImage::from_pixel(8, 8, Rgba([0, 0, 0, 0]));
        let p = decoded(&make(Kind::Png, &png(&img)).unwrap()).to_rgb8();
        assert!(
            p.pixels().all(|px| px.0.iter().all(|&c| c > 245)),
            "{:?}",
            p.get_pixel(0, 0)
        );
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_decoding() {
        // A valid PNG header claiming 12,000 × 12,000 pixels (144 MP), and no more.
        let mut head = png(&RgbaImage::from_pixel(1, 1, Rgba([0, 0, 0, 255])));
        head[16..20].copy_from_slice(&12_000u32.to_be_bytes());
        head[20..24].copy_from_slice(&12_000u32.to_be_bytes());
        let crc = crc32(&head[12..29]);
        head[29..33].copy_from_slice(&crc.to_be_bytes());
        let e = make(Kind::Png, &head).unwrap_err();
        assert!(e.contains("larger than"), "{e}");
    }

    #[test]
    fn broken_content_and_other_kinds_have_no_preview() {
        assert!(make(Kind::Jpeg, b"\xff\xd8\xff\xe0 not really").is_err());
        assert!(make(Kind::Pdf, b"%PDF-1.7").is_err());
        assert!(!has_preview(Kind::Heic));
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
}
