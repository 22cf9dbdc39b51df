//! The 34 provinces and centrally-run cities of 1 July 2025 (Resolution 202/2025/QH15), as
//! reference data with fixed ids, so every installation names them alike.
//!
//! Codes: the Prime Minister's Decision 19/2025/QĐ-TTg, "Bảng danh mục và mã số các đơn vị
//! hành chính Việt Nam" (in force from 2025-07-01), as published by the Government's portal
//! (baochinhphu.vn, 2025-07-04, "Bảng danh mục và mã số của 34 tỉnh thành mới…"). A code is
//! filled where it was read in that text, or where the province was not reorganised in 2025
//! and so keeps the code of Decision 124/2004/QĐ-TTg, which Decision 19/2025 keeps stable
//! for a unit that goes on existing. The other codes are left empty rather than guessed; the
//! admin fills them with `PATCH /provinces/{id}`.
use chrono::NaiveDate;

pub struct Reference {
    pub n: u8,
    pub code: Option<&'static str>,
    pub name: &'static str,
    pub full_name: &'static str,
}

const fn r(
    n: u8,
    code: Option<&'static str>,
    name: &'static str,
    full_name: &'static str,
) -> Reference {
    Reference {
        n,
        code,
        name,
        full_name,
    }
}

/// The day the 34 came into being.
pub const SINCE: NaiveDate = match NaiveDate::from_ymd_opt(2025, 7, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

pub const PROVINCES: [Reference; 34] = [
    r(1, Some("01"), "Hà Nội", "Thành phố Hà Nội"),
    r(2, Some("04"), "Cao Bằng", "Tỉnh Cao Bằng"),
    r(3, Some("08"), "Tuyên Quang", "Tỉnh Tuyên Quang"),
    r(4, Some("11"), "Điện Biên", "Tỉnh Điện Biên"),
    r(5, Some("12"), "Lai Châu", "Tỉnh Lai Châu"),
    r(6, Some("14"), "Sơn La", "Tỉnh Sơn La"),
    r(7, Some("15"), "Lào Cai", "Tỉnh Lào Cai"),
    r(8, Some("19"), "Thái Nguyên", "Tỉnh Thái Nguyên"),
    r(9, Some("20"), "Lạng Sơn", "Tỉnh Lạng Sơn"),
    r(10, Some("22"), "Quảng Ninh", "Tỉnh Quảng Ninh"),
    r(11, None, "Bắc Ninh", "Tỉnh Bắc Ninh"),
    r(12, None, "Phú Thọ", "Tỉnh Phú Thọ"),
    r(13, None, "Hải Phòng", "Thành phố Hải Phòng"),
    r(14, None, "Hưng Yên", "Tỉnh Hưng Yên"),
    r(15, None, "Ninh Bình", "Tỉnh Ninh Bình"),
    r(16, Some("38"), "Thanh Hóa", "Tỉnh Thanh Hóa"),
    r(17, Some("40"), "Nghệ An", "Tỉnh Nghệ An"),
    r(18, Some("42"), "Hà Tĩnh", "Tỉnh Hà Tĩnh"),
    r(19, None, "Quảng Trị", "Tỉnh Quảng Trị"),
    r(20, Some("46"), "Huế", "Thành phố Huế"),
    r(21, Some("48"), "Đà Nẵng", "Thành phố Đà Nẵng"),
    r(22, None, "Quảng Ngãi", "Tỉnh Quảng Ngãi"),
    r(23, None, "Gia Lai", "Tỉnh Gia Lai"),
    r(24, None, "Khánh Hòa", "Tỉnh Khánh Hòa"),
    r(25, None, "Đắk Lắk", "Tỉnh Đắk Lắk"),
    r(26, None, "Lâm Đồng", "Tỉnh Lâm Đồng"),
    r(27, None, "Đồng Nai", "Tỉnh Đồng Nai"),
    r(28, Some("79"), "Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
    r(29, None, "Tây Ninh", "Tỉnh Tây Ninh"),
    r(30, None, "Đồng Tháp", "Tỉnh Đồng Tháp"),
    r(31, None, "Vĩnh Long", "Tỉnh Vĩnh Long"),
    r(32, None, "An Giang", "Tỉnh An Giang"),
    r(33, None, "Cần Thơ", "Thành phố Cần Thơ"),
    r(34, None, "Cà Mau", "Tỉnh Cà Mau"),
];

/// A reference province's fixed id.
pub fn id_of(n: u8) -> uuid::Uuid {
    uuid::Uuid::from_u128(0x019a_c000_0000_7000_8000_0000_0000_0000 | u128::from(n))
}

/// The fixed id of the reference province of this name (case and diacritics ignored).
pub fn id_by_name(name: &str) -> Option<uuid::Uuid> {
    let folded = crate::text::fold(name);
    PROVINCES
        .iter()
        .find(|p| crate::text::fold(p.name) == folded)
        .map(|p| id_of(p.n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_34_are_distinct_by_number_name_and_code() {
        let names: HashSet<_> = PROVINCES
            .iter()
            .map(|p| crate::text::fold(p.name))
            .collect();
        let codes: Vec<_> = PROVINCES.iter().filter_map(|p| p.code).collect();
        let distinct: HashSet<_> = codes.iter().collect();
        let ns: HashSet<_> = PROVINCES.iter().map(|p| p.n).collect();
        assert_eq!((names.len(), ns.len()), (34, 34));
        assert_eq!(distinct.len(), codes.len());
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 2 && c.chars().all(|d| d.is_ascii_digit()))
        );
        assert_eq!(
            id_of(10).to_string(),
            "019ac000-0000-7000-8000-00000000000a"
        );
        assert_eq!(id_of(10).get_version_num(), 7);
    }
}
