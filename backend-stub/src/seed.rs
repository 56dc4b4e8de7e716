//! Hà Tĩnh seed data: categories (same codes as the core's compiled-in defaults), handling
//! units (the IOC, provincial departments after the 2025 reorganisation, and one People's
//! Committee per commune/ward of the boundaries file), one officer and one leader per unit.
//! Seeding is idempotent so a restart on the same file changes nothing.

use phananh_wire::{Role, UnitKind};
use rusqlite::{params, Connection};

use crate::wards::Wards;

pub const IOC: &str = "ioc";

/// (code, name_vi, name_en, responsible department, deadline hours)
pub const CATEGORIES: &[(&str, &str, &str, &str, u32)] = &[
    (
        "giao_thong",
        "Giao thông",
        "Traffic and roads",
        "so-xay-dung",
        72,
    ),
    (
        "moi_truong",
        "Môi trường",
        "Environment",
        "so-nong-nghiep-moi-truong",
        72,
    ),
    (
        "trat_tu_do_thi",
        "Trật tự đô thị",
        "Urban order",
        "so-xay-dung",
        72,
    ),
    ("xay_dung", "Xây dựng", "Construction", "so-xay-dung", 120),
    (
        "dien_chieu_sang",
        "Điện chiếu sáng",
        "Street lighting",
        "so-cong-thuong",
        48,
    ),
    (
        "cap_thoat_nuoc",
        "Cấp thoát nước",
        "Water supply and drainage",
        "so-xay-dung",
        48,
    ),
    (
        "an_ninh_trat_tu",
        "An ninh trật tự",
        "Public security",
        "cong-an-tinh",
        24,
    ),
    (
        "an_sinh_xa_hoi",
        "An sinh xã hội",
        "Social welfare",
        "so-y-te",
        120,
    ),
    ("y_te", "Y tế", "Health", "so-y-te", 48),
    (
        "giao_duc",
        "Giáo dục",
        "Education",
        "so-giao-duc-dao-tao",
        120,
    ),
    (
        "thu_tuc_hanh_chinh",
        "Thủ tục hành chính",
        "Administrative procedures",
        "so-noi-vu",
        120,
    ),
    ("khac", "Khác", "Other", "van-phong-ubnd-tinh", 120),
];

/// Provincial units (code, name).
pub const DEPARTMENTS: &[(&str, &str)] = &[
    ("so-xay-dung", "Sở Xây dựng"),
    ("so-nong-nghiep-moi-truong", "Sở Nông nghiệp và Môi trường"),
    ("so-cong-thuong", "Sở Công Thương"),
    ("cong-an-tinh", "Công an tỉnh"),
    ("so-y-te", "Sở Y tế"),
    ("so-giao-duc-dao-tao", "Sở Giáo dục và Đào tạo"),
    ("so-noi-vu", "Sở Nội vụ"),
    ("so-tai-chinh", "Sở Tài chính"),
    (
        "so-van-hoa-the-thao-du-lich",
        "Sở Văn hóa, Thể thao và Du lịch",
    ),
    ("so-khoa-hoc-cong-nghe", "Sở Khoa học và Công nghệ"),
    ("van-phong-ubnd-tinh", "Văn phòng UBND tỉnh"),
];

/// Optional Open311 attribute every category offers: how serious the problem is.
pub const SEVERITY_ATTR: &str = "muc_do";
pub const SEVERITY_VALUES: &[(&str, &str)] = &[
    ("nhe", "Nhẹ"),
    ("trung_binh", "Trung bình"),
    ("nghiem_trong", "Nghiêm trọng"),
];

pub fn ward_unit_code(ward_code: &str) -> String {
    format!("ubnd-{ward_code}")
}

/// Deterministic phone of a seeded account: +84 98 <unit index:5> 1 <1 officer | 2 leader>.
pub fn staff_phone(unit_index: usize, role: Role) -> String {
    let r = if role == Role::Leader { 2 } else { 1 };
    format!("+8498{unit_index:05}1{r}")
}

pub fn seed(conn: &mut Connection, wards: &Wards, now_ms: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let mut units: Vec<(String, String, UnitKind, Option<String>)> = vec![(
        IOC.into(),
        "Trung tâm Giám sát, điều hành đô thị thông minh tỉnh Hà Tĩnh (IOC)".into(),
        UnitKind::Ioc,
        None,
    )];
    units.extend(
        DEPARTMENTS
            .iter()
            .map(|(c, n)| (c.to_string(), n.to_string(), UnitKind::Department, None)),
    );
    units.extend(wards.wards.iter().map(|w| {
        (
            ward_unit_code(&w.info.code),
            format!("UBND {}", w.info.full_name),
            UnitKind::Ward,
            Some(w.info.code.clone()),
        )
    }));
    {
        let mut ins_unit = tx.prepare(
            "INSERT INTO units(code, name, kind, ward_code, ord) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(code) DO UPDATE SET name = excluded.name, ord = excluded.ord",
        )?;
        let mut ins_user = tx.prepare(
            "INSERT OR IGNORE INTO users(id, phone, display_name, role, unit_code, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (i, (code, name, kind, ward)) in units.iter().enumerate() {
            ins_unit.execute(params![
                code,
                name,
                crate::unit_kind_str(*kind),
                ward,
                i as i64
            ])?;
            for role in [Role::Officer, Role::Leader] {
                let label = if role == Role::Leader {
                    "Lãnh đạo"
                } else {
                    "Cán bộ"
                };
                ins_user.execute(params![
                    format!("{}-{}", crate::role_str(role), code),
                    staff_phone(i, role),
                    format!("{label} {name}"),
                    crate::role_str(role),
                    code,
                    now_ms
                ])?;
            }
        }
        let mut ins_cat = tx.prepare(
            "INSERT INTO categories(code, name_vi, name_en, unit_code, deadline_hours, ord) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en,
               unit_code = excluded.unit_code, deadline_hours = excluded.deadline_hours, ord = excluded.ord",
        )?;
        for (i, (code, vi, en, unit, hours)) in CATEGORIES.iter().enumerate() {
            ins_cat.execute(params![code, vi, en, unit, hours, i as i64])?;
        }
    }
    tx.commit()
}
