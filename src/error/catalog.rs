//! The problem types of the API and the messages of its problems, in English (as written in
//! the code) and Vietnamese, each with a stable code a client can switch on.
//!
//! Messages are matched by pattern: `{}` stands for any text (a value, a name, a date), carried
//! into the Vietnamese in order, or by position with `{0}`, `{1}`. The first pattern that
//! matches wins, so the specific come before the general. A unit test reads every message the
//! code writes and fails on one that has no entry here.

/// One kind of problem: its `code`, the `type` URI made from it, its status and titles.
pub struct ProblemType {
    pub code: &'static str,
    pub status: u16,
    pub en: &'static str,
    pub vi: &'static str,
    /// What it means and what a client does about it (the spec's description).
    pub about: &'static str,
}

impl ProblemType {
    pub fn uri(&self) -> String {
        format!("/problems/{}", self.code.replace('_', "-"))
    }
}

const fn t(
    code: &'static str,
    status: u16,
    en: &'static str,
    vi: &'static str,
    about: &'static str,
) -> ProblemType {
    ProblemType {
        code,
        status,
        en,
        vi,
        about,
    }
}

pub const TYPES: &[ProblemType] = &[
    t(
        "malformed_request",
        400,
        "Malformed request",
        "Yêu cầu sai cú pháp",
        "The body is not JSON (or not the form the endpoint takes), or a header is malformed.",
    ),
    t(
        "invalid_parameter",
        400,
        "Invalid parameter",
        "Tham số không hợp lệ",
        "A query, path or header parameter cannot be read; `errors` names it.",
    ),
    t(
        "unauthenticated",
        401,
        "Sign-in required",
        "Cần đăng nhập",
        "No credentials, or wrong ones: sign in.",
    ),
    t(
        "invalid_token",
        401,
        "Invalid token",
        "Mã truy cập không hợp lệ",
        "The bearer token is expired, revoked or not ours: refresh it or sign in again.",
    ),
    t(
        "forbidden",
        403,
        "Not allowed",
        "Không có quyền",
        "The caller's role may not do this (the policy table in the README).",
    ),
    t(
        "password_change_required",
        403,
        "Password change required",
        "Cần đổi mật khẩu",
        "Someone else set this account's password: choose your own at POST /me/password.",
    ),
    t(
        "not_found",
        404,
        "Not found",
        "Không tìm thấy",
        "No such resource, or it belongs to another bloc.",
    ),
    t(
        "method_not_allowed",
        405,
        "Method not allowed",
        "Phương thức không được hỗ trợ",
        "The path exists; `Allow` lists its methods.",
    ),
    t(
        "request_timeout",
        408,
        "Request timeout",
        "Hết thời gian gửi yêu cầu",
        "The body did not arrive in time; the connection is closed.",
    ),
    t(
        "illegal_transition",
        409,
        "Move not allowed",
        "Không thể chuyển trạng thái",
        "The resource's state does not allow this move; `allowed` lists the moves that exist.",
    ),
    t(
        "duplicate",
        409,
        "Already exists",
        "Đã tồn tại",
        "A resource with the same unique value (name, code, number, username) exists.",
    ),
    t(
        "read_only",
        409,
        "Read-only history",
        "Dữ liệu chỉ đọc",
        "The records belong to a dissolved bloc and can only be read.",
    ),
    t(
        "in_use",
        409,
        "Referenced elsewhere",
        "Đang được tham chiếu",
        "The change would break a reference between resources.",
    ),
    t(
        "state_conflict",
        409,
        "Conflict with the current state",
        "Xung đột với trạng thái hiện tại",
        "The resource's current state (or a limit) does not allow this; the detail says why.",
    ),
    t(
        "stale_version",
        412,
        "Version changed",
        "Phiên bản đã thay đổi",
        "`If-Match` does not name the current version: fetch the resource again and retry.",
    ),
    t(
        "payload_too_large",
        413,
        "Request body too large",
        "Nội dung yêu cầu quá lớn",
        "The body exceeds the configured limit.",
    ),
    t(
        "unsupported_media_type",
        415,
        "Unsupported media type",
        "Kiểu nội dung không được hỗ trợ",
        "Send the body as the endpoint says (application/json unless stated).",
    ),
    t(
        "range_not_satisfiable",
        416,
        "Range not satisfiable",
        "Khoảng byte không hợp lệ",
        "The `Range` asked starts past the end of the file; `Content-Range: bytes */size` gives its size.",
    ),
    t(
        "validation_failed",
        422,
        "Invalid fields",
        "Dữ liệu không hợp lệ",
        "One or more fields are invalid; `errors` lists each with its code and message.",
    ),
    t(
        "rate_limited",
        429,
        "Too many requests",
        "Quá nhiều yêu cầu",
        "A limit is used up; retry after `Retry-After` seconds.",
    ),
    t(
        "internal",
        500,
        "Internal error",
        "Lỗi hệ thống",
        "Unexpected; the request id finds it in the logs.",
    ),
    t(
        "unavailable",
        503,
        "Service unavailable",
        "Dịch vụ tạm thời không sẵn sàng",
        "The database cannot be reached; retry after `Retry-After` seconds.",
    ),
    t(
        "overloaded",
        503,
        "Overloaded",
        "Máy chủ đang quá tải",
        "Costly work (password hashing) is turned away for now; retry after `Retry-After`.",
    ),
];

pub fn problem_type(code: &str) -> &'static ProblemType {
    TYPES
        .iter()
        .find(|t| t.code == code)
        .unwrap_or(&TYPES[TYPES.len() - 3])
}

/// The codes a field error can carry.
pub const FIELD_CODES: &[(&str, &str)] = &[
    ("required", "missing or empty, and needed"),
    ("too_long", "longer than allowed"),
    ("too_short", "shorter than allowed"),
    ("too_many", "a list with more items than allowed"),
    ("out_of_range", "a number or date outside the allowed range"),
    (
        "invalid_date",
        "not a date (or date-time) in the stated format",
    ),
    (
        "invalid_format",
        "not in the stated format (UUID, URL, email, phone, code, cursor)",
    ),
    ("invalid_type", "a JSON value of the wrong type"),
    ("invalid_value", "not one of the values allowed"),
    ("unknown_field", "a field the endpoint does not take"),
    (
        "unknown_reference",
        "names a resource that does not exist (here)",
    ),
    (
        "not_allowed",
        "a value this caller, role or state may not set",
    ),
    (
        "date_order",
        "a date before or after another it must follow or precede",
    ),
    ("in_future", "a date that has not come yet"),
    ("duplicate", "a value already used, or listed twice"),
    (
        "state_conflict",
        "the resource's state does not allow the value",
    ),
    ("invalid", "invalid for another reason the message gives"),
];

/// A message pattern: English as the code writes it, its code, and Vietnamese.
type Entry = (&'static str, &'static str, &'static str);

/// Every message, specific before general.
pub const MESSAGES: &[Entry] = &[
    (
        "the range asked starts past the end of the file ({} bytes)",
        "range_not_satisfiable",
        "khoảng byte yêu cầu bắt đầu sau cuối tệp ({} byte)",
    ),
    (
        "the bloc's storage quota of {} bytes would be exceeded ({} bytes are in use); remove unattached uploads or ask the operator for more",
        "state_conflict",
        "sẽ vượt hạn mức lưu trữ {} byte của khối ({} byte đang dùng); hãy xóa các tệp chưa đính kèm hoặc đề nghị người quản trị cấp thêm",
    ),
    (
        "the file's content is not of an allowed type; allowed: {}",
        "unsupported_media_type",
        "nội dung tệp không thuộc loại được phép; được phép: {}",
    ),
    (
        "files of type {} are not accepted here; allowed: {}",
        "unsupported_media_type",
        "không nhận tệp loại {}; được phép: {}",
    ),
    (
        "send the file as multipart/form-data, in one part named `file`",
        "unsupported_media_type",
        "hãy gửi tệp dạng multipart/form-data, trong một phần tên `file`",
    ),
    (
        "the multipart body is cut off or malformed; nothing was stored",
        "malformed_request",
        "nội dung multipart bị cắt ngang hoặc sai cấu trúc; chưa lưu gì",
    ),
    (
        "takes one file per upload",
        "too_many",
        "mỗi lần tải lên chỉ nhận một tệp",
    ),
    (
        "is not a part of this form; send one part named `file`",
        "unknown_field",
        "không phải một phần của biểu mẫu này; hãy gửi một phần tên `file`",
    ),
    (
        "is required: one part named `file`",
        "required",
        "là bắt buộc: một phần tên `file`",
    ),
    (
        "only the bloc's own people upload its files",
        "forbidden",
        "chỉ cán bộ của khối mới được tải tệp lên cho khối",
    ),
    (
        "the stored content was being removed",
        "unavailable",
        "nội dung đã lưu đang được xóa",
    ),
    (
        "an attached file is evidence and stays with what it is attached to",
        "state_conflict",
        "tệp đã đính kèm là minh chứng và được giữ cùng nội dung nó đính kèm",
    ),
    (
        "must list at most {} files",
        "too_many",
        "chỉ được liệt kê tối đa {} tệp",
    ),
    (
        "names a file listed before",
        "duplicate",
        "nêu một tệp đã liệt kê trước đó",
    ),
    ("file {} not found", "not_found", "không tìm thấy tệp {}"),
    (
        "too many uploads are being received at once; retry in a few seconds",
        "overloaded",
        "đang nhận quá nhiều tệp cùng lúc; hãy thử lại sau vài giây",
    ),
    (
        "the {} photo's structure cannot be read, so its location cannot be removed",
        "unsupported_media_type",
        "không đọc được cấu trúc ảnh {} nên không thể xóa thông tin vị trí",
    ),
    (
        "are uploaded and attached by a bloc's own people",
        "not_allowed",
        "phải do cán bộ của khối tải lên và đính kèm",
    ),
    (
        "give the date of the report the attachments are evidence of",
        "required",
        "hãy ghi ngày của báo cáo mà các tệp đính kèm làm minh chứng",
    ),
    (
        "the image could not be read (or is larger than previews are made for), so it has no preview; download the file itself",
        "not_found",
        "không đọc được ảnh (hoặc ảnh quá lớn để tạo ảnh xem trước) nên không có ảnh xem trước; hãy tải chính tệp đó",
    ),
    (
        "files of type {} have no preview",
        "not_found",
        "tệp loại {} không có ảnh xem trước",
    ),
    (
        "the file was removed; its content is gone",
        "not_found",
        "tệp đã bị xóa; nội dung không còn",
    ),
    (
        "names a file that was removed; upload it again",
        "invalid_value",
        "nêu một tệp đã bị xóa; hãy tải lên lại",
    ),
    (
        "names a file already attached to something else; upload it again",
        "state_conflict",
        "nêu một tệp đã được đính kèm vào nội dung khác; hãy tải lên lại",
    ),
    (
        "decisions are recorded once the meeting is held; this one is {}",
        "state_conflict",
        "quyết định chỉ được ghi sau khi cuộc họp đã diễn ra; cuộc họp này đang ở trạng thái {}",
    ),
    (
        "the series has ended; start a new one",
        "state_conflict",
        "chuỗi nhiệm vụ đã kết thúc; hãy lập chuỗi mới",
    ),
    (
        "would make {} tasks a year; at most {}",
        "out_of_range",
        "sẽ tạo {} nhiệm vụ mỗi năm; tối đa {}",
    ),
    (
        "must not be in the past for a planned meeting",
        "invalid_value",
        "không được ở quá khứ đối với cuộc họp dự kiến",
    ),
    (
        "are recorded once the meeting is held",
        "invalid_value",
        "chỉ được ghi sau khi cuộc họp đã diễn ra",
    ),
    (
        "a meeting is created planned or held",
        "invalid_value",
        "cuộc họp được tạo ở trạng thái dự kiến hoặc đã họp",
    ),
    (
        "a person keeps at most {} push subscriptions; remove one first",
        "state_conflict",
        "mỗi người có tối đa {} đăng ký nhận thông báo đẩy; hãy xóa bớt một đăng ký",
    ),
    (
        "is not an email address such as lan.nguyen@haiha.vn",
        "invalid_format",
        "không phải địa chỉ thư điện tử, ví dụ lan.nguyen@haiha.vn",
    ),
    ("names a channel twice", "duplicate", "nêu một kênh hai lần"),
    (
        "must not carry credentials",
        "invalid_value",
        "không được chứa thông tin đăng nhập",
    ),
    (
        "the comment was retracted",
        "state_conflict",
        "bình luận đã được rút lại",
    ),
    (
        "a comment can be edited only within {} minutes of posting; post a new one or retract it",
        "state_conflict",
        "chỉ được sửa bình luận trong vòng {} phút sau khi đăng; hãy đăng bình luận mới hoặc rút lại",
    ),
    (
        "a retraction cannot be undone; post a new comment",
        "invalid_value",
        "không thể hủy việc rút lại; hãy đăng bình luận mới",
    ),
    // Presence and size.
    ("is required", "required", "là bắt buộc"),
    ("must not be empty", "required", "không được để trống"),
    (
        "must be at most {} characters",
        "too_long",
        "tối đa {} ký tự",
    ),
    (
        "must be at least {} characters",
        "too_short",
        "tối thiểu {} ký tự",
    ),
    (
        "must list at most {} links",
        "too_many",
        "tối đa {} liên kết",
    ),
    (
        "must list at most {} organisations",
        "too_many",
        "tối đa {} tổ chức",
    ),
    ("must list at most {} patterns", "too_many", "tối đa {} mẫu"),
    (
        "must list at most {} decisions",
        "too_many",
        "tối đa {} kết luận",
    ),
    ("must list at most {}", "too_many", "tối đa {} mục"),
    (
        "must list at least one event pattern",
        "required",
        "cần ít nhất một mẫu sự kiện",
    ),
    (
        "must list at least one scope",
        "required",
        "cần ít nhất một phạm vi (scope)",
    ),
    (
        "must list 1 to {} units and child blocs in all",
        "too_many",
        "cần từ 1 đến {} đơn vị và khối cấp dưới",
    ),
    (
        "must list 1 to {} child blocs",
        "too_many",
        "cần từ 1 đến {} khối cấp dưới",
    ),
    (
        "must list 2 to {} units",
        "too_many",
        "cần từ 2 đến {} đơn vị",
    ),
    (
        "a reporting round lists 1 to {} figures",
        "too_many",
        "mỗi đợt báo cáo gồm từ 1 đến {} số liệu",
    ),
    (
        "has {} rows; one import takes at most {}",
        "too_many",
        "có {} dòng; mỗi lần nhập tối đa {} dòng",
    ),
    (
        "makes {} accounts; one import makes at most {}: split the file",
        "too_many",
        "tạo {} tài khoản; mỗi lần nhập tối đa {}: hãy chia nhỏ tệp",
    ),
    (
        "a report covers at most 20 years",
        "out_of_range",
        "một báo cáo bao quát tối đa 20 năm",
    ),
    // Numbers.
    (
        "must not be negative",
        "out_of_range",
        "không được là số âm",
    ),
    ("must be 0 or more", "out_of_range", "phải từ 0 trở lên"),
    ("must be above 0", "out_of_range", "phải lớn hơn 0"),
    (
        "must be a whole number",
        "invalid_type",
        "phải là số nguyên",
    ),
    ("must be a number", "invalid_type", "phải là một số"),
    (
        "must be true or false",
        "invalid_type",
        "phải là true hoặc false",
    ),
    (
        "must be a finite number below 10^15",
        "out_of_range",
        "phải là số hữu hạn nhỏ hơn 10^15",
    ),
    ("must be from {} to {}", "out_of_range", "phải từ {} đến {}"),
    (
        "a percent must be from 0 to 100",
        "out_of_range",
        "tỷ lệ phần trăm phải từ 0 đến 100",
    ),
    (
        "must not be above the denominator",
        "out_of_range",
        "không được lớn hơn mẫu số",
    ),
    (
        "must not exceed the population",
        "out_of_range",
        "không được vượt quá tổng số",
    ),
    (
        "must not be above the baseline when lower is better",
        "out_of_range",
        "không được cao hơn mức khởi điểm khi chỉ tiêu càng thấp càng tốt",
    ),
    (
        "must not be below the baseline when higher is better",
        "out_of_range",
        "không được thấp hơn mức khởi điểm khi chỉ tiêu càng cao càng tốt",
    ),
    // Dates.
    (
        "must be a date YYYY-MM-DD, e.g. {}",
        "invalid_date",
        "phải là ngày dạng YYYY-MM-DD, ví dụ {}",
    ),
    (
        "must be a date and time in RFC 3339, e.g. {}",
        "invalid_date",
        "phải là ngày giờ theo RFC 3339, ví dụ {}",
    ),
    (
        "must be a date YYYY-MM-DD",
        "invalid_date",
        "phải là ngày dạng YYYY-MM-DD, ví dụ 2026-03-31",
    ),
    (
        "must be YYYY-MM, e.g. {}",
        "invalid_date",
        "phải là tháng dạng YYYY-MM, ví dụ {}",
    ),
    (
        "must be a year from {} to {}",
        "out_of_range",
        "phải là năm từ {} đến {}",
    ),
    (
        "must not be in the future: meetings are recorded once held",
        "in_future",
        "không được ở tương lai: cuộc họp được ghi lại sau khi đã họp",
    ),
    (
        "must not be in the future (today is {})",
        "in_future",
        "không được ở tương lai (hôm nay là {})",
    ),
    (
        "must not be in the future",
        "in_future",
        "không được ở tương lai",
    ),
    (
        "must not be after the task's own due date, {}",
        "date_order",
        "không được sau hạn của chính nhiệm vụ, {}",
    ),
    (
        "must not be after the deadline",
        "date_order",
        "không được sau thời hạn",
    ),
    (
        "must not be after `to`",
        "date_order",
        "không được sau `to`",
    ),
    ("must not be after {}", "date_order", "không được sau {}"),
    (
        "must not be before the task was opened ({})",
        "date_order",
        "không được trước ngày nhiệm vụ được mở ({})",
    ),
    (
        "must not be before the task's previous move ({})",
        "date_order",
        "không được trước lần chuyển trạng thái trước của nhiệm vụ ({})",
    ),
    (
        "must not be before the bloc was established",
        "date_order",
        "không được trước ngày thành lập khối",
    ),
    (
        "must not be before the directive was issued",
        "date_order",
        "không được trước ngày ban hành văn bản",
    ),
    (
        "must not be before the recommendation was made",
        "date_order",
        "không được trước ngày đưa ra kiến nghị",
    ),
    (
        "must not be before the supervision starts",
        "date_order",
        "không được trước ngày bắt đầu giám sát",
    ),
    ("must not be before {}", "date_order", "không được trước {}"),
    (
        "must be after {} opened",
        "date_order",
        "phải sau ngày {} được mở",
    ),
    (
        "must be within the campaign ({} to {})",
        "date_order",
        "phải trong thời gian của cuộc vận động ({} đến {})",
    ),
    (
        "is not a date a unit can close before",
        "date_order",
        "không phải ngày mà đơn vị có thể kết thúc trước đó",
    ),
    (
        "is already closed (last day {})",
        "state_conflict",
        "đã kết thúc (ngày cuối {})",
    ),
    (
        "{} existed from {} to {}: a figure outside that span belongs to the unit before or after it",
        "date_order",
        "{} tồn tại từ {} đến {}: số liệu ngoài khoảng đó thuộc về đơn vị trước hoặc sau",
    ),
    (
        "a figure of a merged unit is dated {}: the merger must come after it",
        "date_order",
        "có số liệu của đơn vị bị sáp nhập ngày {}: việc sáp nhập phải sau ngày đó",
    ),
    (
        "give the date of the report",
        "required",
        "hãy ghi ngày báo cáo",
    ),
    (
        "district blocs ended with the districts on 2025-07-01: open a province or commune bloc, or give the earlier `established_on` of a district bloc kept for history",
        "not_allowed",
        "khối cấp huyện đã chấm dứt cùng cấp huyện từ 01/07/2025: hãy lập khối cấp tỉnh hoặc cấp xã, hoặc ghi `established_on` sớm hơn cho khối cấp huyện lưu làm lịch sử",
    ),
    // Formats.
    (
        "must be a UUID, e.g. {}",
        "invalid_format",
        "phải là UUID, ví dụ {}",
    ),
    (
        "`{}` must be a UUID, e.g. {}",
        "invalid_format",
        "`{}` phải là UUID, ví dụ {}",
    ),
    (
        "must list 1 to {} ids, comma-separated",
        "too_many",
        "phải liệt kê từ 1 đến {} id, cách nhau bằng dấu phẩy",
    ),
    (
        "must be an email address",
        "invalid_format",
        "phải là địa chỉ email",
    ),
    (
        "must be a phone number of 8 to 15 digits",
        "invalid_format",
        "phải là số điện thoại từ 8 đến 15 chữ số",
    ),
    (
        "must be an http or https URL",
        "invalid_format",
        "phải là URL http hoặc https",
    ),
    (
        "must be an http or https link",
        "invalid_format",
        "phải là liên kết http hoặc https",
    ),
    (
        "is not a URL such as {}",
        "invalid_format",
        "không phải URL, ví dụ {}",
    ),
    ("must name a host", "invalid_format", "phải có tên máy chủ"),
    (
        "must not have a fragment",
        "invalid_format",
        "không được có phần fragment (#)",
    ),
    (
        "must not carry credentials; the signature authenticates the service",
        "invalid_format",
        "không được chứa thông tin đăng nhập; chữ ký xác thực dịch vụ",
    ),
    (
        "points at this service itself",
        "not_allowed",
        "trỏ tới chính dịch vụ này",
    ),
    (
        "must be 1 to 200 visible ASCII characters",
        "invalid_format",
        "phải gồm 1 đến 200 ký tự ASCII hiển thị",
    ),
    (
        "must be 2 to 20 letters, digits, '_' or '-'",
        "invalid_format",
        "phải gồm 2 đến 20 chữ cái, chữ số, '_' hoặc '-'",
    ),
    (
        "must be two digits (Decision 19/2025/QĐ-TTg)",
        "invalid_format",
        "phải gồm hai chữ số (Quyết định 19/2025/QĐ-TTg)",
    ),
    (
        "must be an entity tag from an ETag, such as {}, or *",
        "invalid_format",
        "phải là entity tag lấy từ ETag, ví dụ {}, hoặc *",
    ),
    (
        "is not a cursor from this list",
        "invalid_format",
        "không phải con trỏ (cursor) của danh sách này",
    ),
    (
        "was made for another sort order; start again without a cursor",
        "invalid_value",
        "được tạo cho thứ tự sắp xếp khác; hãy bắt đầu lại không có cursor",
    ),
    (
        "this list cannot be sorted",
        "not_allowed",
        "danh sách này không sắp xếp được",
    ),
    (
        "must be one of {} (prefix - for descending)",
        "invalid_value",
        "phải là một trong {} (thêm tiền tố - để sắp xếp giảm dần)",
    ),
    ("must be one of {}", "invalid_value", "phải là một trong {}"),
    (
        "must be `*`, `<resource_type>.*`, `<resource_type>.create` or `<resource_type>.update` with a resource type of the change feed",
        "invalid_value",
        "phải là `*`, `<resource_type>.*`, `<resource_type>.create` hoặc `<resource_type>.update` với một loại tài nguyên của luồng thay đổi",
    ),
    (
        "must name at least one field",
        "invalid_value",
        "phải nêu ít nhất một trường",
    ),
    (
        "`{}` is not one of {}",
        "invalid_value",
        "`{}` không thuộc {}",
    ),
    (
        "contains characters that cannot be stored (NUL)",
        "invalid_format",
        "chứa ký tự không lưu được (NUL)",
    ),
    (
        "contains a control character",
        "invalid_format",
        "chứa ký tự điều khiển",
    ),
    ("(a key) {}", "invalid_format", "(khóa) {}"),
    (
        "invalid type: {}, expected {}",
        "invalid_type",
        "sai kiểu dữ liệu: {}, cần {}",
    ),
    (
        "invalid value: {}, expected {}",
        "invalid_value",
        "giá trị không hợp lệ: {}, cần {}",
    ),
    (
        "invalid length {}, expected {}",
        "invalid_value",
        "độ dài không hợp lệ {}, cần {}",
    ),
    (
        "unknown variant `{}`, expected {}",
        "invalid_value",
        "giá trị `{}` không hợp lệ, cần {}",
    ),
    (
        "unknown field `{}`, expected {}",
        "unknown_field",
        "không có trường `{}`; các trường hợp lệ: {}",
    ),
    (
        "unknown field `{}`, there are no fields",
        "unknown_field",
        "không có trường `{}`; yêu cầu này không nhận trường nào",
    ),
    ("duplicate field `{}`", "duplicate", "trường `{}` bị lặp"),
    ("is listed twice", "duplicate", "bị liệt kê hai lần"),
    // Passwords and accounts.
    (
        "is not the account's password",
        "invalid",
        "không phải mật khẩu của tài khoản",
    ),
    (
        "must differ from the current password",
        "invalid",
        "phải khác mật khẩu hiện tại",
    ),
    (
        "is a {}; this account is {} (an account takes its person's role)",
        "not_allowed",
        "là {}; tài khoản này là {} (tài khoản mang vai trò của người sở hữu)",
    ),
    (
        "must be the staff member's role, {}",
        "not_allowed",
        "phải là vai trò của cán bộ, {}",
    ),
    (
        "must be the staff member's bloc",
        "not_allowed",
        "phải là khối của cán bộ",
    ),
    (
        "must be your own bloc",
        "not_allowed",
        "phải là khối của bạn",
    ),
    (
        "must be empty for this role",
        "not_allowed",
        "phải để trống với vai trò này",
    ),
    (
        "is required for this role",
        "required",
        "là bắt buộc với vai trò này",
    ),
    (
        "is required for the portal role",
        "required",
        "là bắt buộc với vai trò portal",
    ),
    (
        "is required without staff_id",
        "required",
        "là bắt buộc khi không có staff_id",
    ),
    (
        "is only for portal accounts",
        "not_allowed",
        "chỉ dành cho tài khoản portal",
    ),
    (
        "may only be bloc_head, deputy_head or staff",
        "invalid_value",
        "chỉ có thể là bloc_head, deputy_head hoặc staff",
    ),
    (
        "must be the bloc head or a deputy head",
        "not_allowed",
        "phải là trưởng khối hoặc phó trưởng khối",
    ),
    (
        "this staff member already has an account, `{}`",
        "duplicate",
        "cán bộ này đã có tài khoản `{}`",
    ),
    (
        "this staff member already has an account",
        "duplicate",
        "cán bộ này đã có tài khoản",
    ),
    (
        "this staff member is no longer active",
        "state_conflict",
        "cán bộ này không còn hoạt động",
    ),
    (
        "the staff member is inactive; reactivate them instead",
        "state_conflict",
        "cán bộ đã ngừng hoạt động; hãy kích hoạt lại",
    ),
    (
        "you cannot deactivate your own account",
        "not_allowed",
        "bạn không thể tự khóa tài khoản của mình",
    ),
    (
        "your own password changes at POST /api/v1/me/password, with the current one",
        "not_allowed",
        "mật khẩu của chính bạn đổi tại POST /api/v1/me/password, kèm mật khẩu hiện tại",
    ),
    (
        "the username `{}` is taken",
        "duplicate",
        "tên đăng nhập `{}` đã được dùng",
    ),
    (
        "the bloc already has an active bloc head account, `{}`; deactivate it first",
        "duplicate",
        "khối đã có tài khoản trưởng khối đang hoạt động, `{}`; hãy khóa tài khoản đó trước",
    ),
    (
        "the bloc already has an active bloc head, {}; change their role or deactivate them first",
        "duplicate",
        "khối đã có trưởng khối đang hoạt động, {}; hãy đổi vai trò hoặc cho người đó nghỉ trước",
    ),
    (
        "{} heads {}, which needs the bloc head or a deputy head; appoint another head first",
        "state_conflict",
        "{} đang phụ trách {}, việc này cần trưởng hoặc phó trưởng khối; hãy cử người khác phụ trách trước",
    ),
    (
        "was already used with a different request; use a new key for a new request",
        "duplicate",
        "đã được dùng cho một yêu cầu khác; yêu cầu mới cần khóa mới",
    ),
    // References.
    (
        "no such province; see /provinces (give its name or province_id)",
        "unknown_reference",
        "không có tỉnh này; xem /provinces (ghi tên hoặc province_id)",
    ),
    (
        "no such province; see /provinces",
        "unknown_reference",
        "không có tỉnh này; xem /provinces",
    ),
    (
        "no such grassroots unit in this bloc",
        "unknown_reference",
        "không có đơn vị cơ sở này trong khối",
    ),
    (
        "no such staff member in this account's bloc",
        "unknown_reference",
        "không có cán bộ này trong khối của tài khoản",
    ),
    (
        "no such figure of this target",
        "unknown_reference",
        "không có số liệu này của chỉ tiêu",
    ),
    (
        "no such {} in this bloc",
        "unknown_reference",
        "không có {} này trong khối",
    ),
    ("no such {}", "unknown_reference", "không có {} này"),
    (
        "no resource at {}",
        "unknown_reference",
        "không có tài nguyên tại {}",
    ),
    ("{} not found", "unknown_reference", "không tìm thấy {}"),
    (
        "is not the province of province_id, {}",
        "invalid_value",
        "không phải tỉnh ứng với province_id, {}",
    ),
    (
        "is another province's code",
        "duplicate",
        "là mã của tỉnh khác",
    ),
    (
        "must be the parent's province, {}",
        "invalid_value",
        "phải là tỉnh của khối cấp trên, {}",
    ),
    (
        "must be a bloc of {}",
        "invalid_value",
        "phải là khối thuộc {}",
    ),
    (
        "is required when there is no parent bloc",
        "required",
        "là bắt buộc khi không có khối cấp trên",
    ),
    (
        "is required: the province whose blocs it reads (or province_id)",
        "required",
        "là bắt buộc: tỉnh mà tài khoản đọc các khối (hoặc province_id)",
    ),
    (
        "is not a child bloc of the {}'s bloc (or it was dissolved)",
        "unknown_reference",
        "không phải khối cấp dưới của khối sở hữu {} (hoặc đã giải thể)",
    ),
    (
        "is the bloc itself or a bloc below it: parents would go round in a circle",
        "invalid_value",
        "là chính khối này hoặc khối cấp dưới của nó: quan hệ cấp trên sẽ thành vòng tròn",
    ),
    (
        "is the dissolved bloc or a bloc below it",
        "invalid_value",
        "là khối bị giải thể hoặc khối cấp dưới của nó",
    ),
    (
        "a {} bloc cannot sit under a {} bloc",
        "invalid_value",
        "khối cấp {} không thể trực thuộc khối cấp {}",
    ),
    (
        "is dissolved itself",
        "state_conflict",
        "chính nó đã giải thể",
    ),
    ("is dissolved", "state_conflict", "đã giải thể"),
    (
        "would put the unit inside itself",
        "invalid_value",
        "sẽ đặt đơn vị vào bên trong chính nó",
    ),
    (
        "{} is no longer active",
        "state_conflict",
        "{} không còn hoạt động",
    ),
    ("{} is already there", "duplicate", "{} đã có"),
    // Tasks.
    (
        "cannot be the task itself",
        "invalid_value",
        "không thể là chính nhiệm vụ này",
    ),
    (
        "is cancelled itself; point to the task that goes on",
        "state_conflict",
        "bản thân đã bị hủy; hãy trỏ tới nhiệm vụ còn tiếp tục",
    ),
    (
        "is required: the task this one repeats",
        "required",
        "là bắt buộc: nhiệm vụ mà nhiệm vụ này trùng lặp",
    ),
    (
        "is the lead organisation; it cannot also coordinate",
        "invalid_value",
        "là tổ chức chủ trì; không thể đồng thời phối hợp",
    ),
    (
        "the lead organisation is not also a participant",
        "invalid_value",
        "tổ chức chủ trì không đồng thời là tổ chức tham gia",
    ),
    (
        "is already the assignee",
        "invalid_value",
        "đã là người được giao",
    ),
    (
        "is required to reassign",
        "required",
        "là bắt buộc để giao lại",
    ),
    (
        "is required to return a task: say what is missing",
        "required",
        "là bắt buộc để trả lại nhiệm vụ: hãy nêu điều còn thiếu",
    ),
    (
        "is required to submit: say what was done",
        "required",
        "là bắt buộc khi trình: hãy nêu việc đã làm",
    ),
    (
        "is required to decline a delegated task: say why the bloc cannot take it on",
        "required",
        "là bắt buộc khi từ chối nhiệm vụ được giao xuống: hãy nêu lý do khối không thể nhận",
    ),
    (
        "needs `task`: the task to create and assign",
        "required",
        "cần `task`: nhiệm vụ cần tạo và giao",
    ),
    (
        "reports go on assigned, open tasks; this one is {}",
        "state_conflict",
        "chỉ báo cáo trên nhiệm vụ đã giao, đang mở; nhiệm vụ này đang ở trạng thái {}",
    ),
    (
        "a {} task cannot be delegated: only an open task this bloc has taken on",
        "illegal_transition",
        "nhiệm vụ ở trạng thái {} không thể giao xuống: chỉ nhiệm vụ đang mở mà khối đã nhận",
    ),
    (
        "a {} task cannot be moved any more; `{}` is not possible",
        "illegal_transition",
        "nhiệm vụ ở trạng thái {} không thể chuyển tiếp nữa; không thể `{}`",
    ),
    (
        "`{}` is not possible from {}; allowed: {}",
        "illegal_transition",
        "không thể `{}` từ trạng thái {}; được phép: {}",
    ),
    (
        "only a draft can be edited; this task is {} and changes through its moves",
        "state_conflict",
        "chỉ sửa được bản nháp; nhiệm vụ này đang ở trạng thái {} và thay đổi qua các bước chuyển trạng thái",
    ),
    (
        "this task waits for its delegated tasks: {} of them are not completed yet ({})",
        "state_conflict",
        "nhiệm vụ này chờ các nhiệm vụ đã giao xuống: còn {} nhiệm vụ chưa hoàn thành ({})",
    ),
    (
        "a {} {} cannot become {}",
        "illegal_transition",
        "{1} đang ở trạng thái {0} không thể chuyển sang {2}",
    ),
    (
        "no open task, running campaign or supervision with open recommendations of this bloc",
        "unknown_reference",
        "khối không có nhiệm vụ đang mở, cuộc vận động đang chạy hay cuộc giám sát còn kiến nghị chưa xử lý",
    ),
    // Directives and dispatches.
    (
        "the {} was already sent to this bloc",
        "duplicate",
        "{} đã được gửi tới khối này",
    ),
    (
        "the directive was already sent to this unit",
        "duplicate",
        "văn bản đã được gửi tới đơn vị này",
    ),
    (
        "the bloc already has directive {} issued that year",
        "duplicate",
        "khối đã có văn bản số {} ban hành trong năm đó",
    ),
    (
        "is set by the bloc that sent the directive",
        "not_allowed",
        "do khối gửi văn bản đặt",
    ),
    (
        "the bloc it was sent to acknowledges and reports back itself",
        "not_allowed",
        "khối nhận văn bản tự xác nhận và báo cáo lại",
    ),
    (
        "a unit that reported back has acknowledged",
        "state_conflict",
        "đơn vị đã báo cáo lại thì đã xác nhận",
    ),
    (
        "is for a bloc's own people: the dispatches their bloc received",
        "not_allowed",
        "chỉ dành cho người của khối: các văn bản khối đã nhận",
    ),
    // Campaigns.
    (
        "the bloc already has a campaign named {}",
        "duplicate",
        "khối đã có cuộc vận động tên {}",
    ),
    (
        "the bloc already has a campaign of this name",
        "duplicate",
        "khối đã có cuộc vận động tên này",
    ),
    (
        "the bloc has no `fatherland_front` organisation to lead its campaign",
        "state_conflict",
        "khối chưa có tổ chức `fatherland_front` để chủ trì cuộc vận động",
    ),
    (
        "a running campaign moves there, and the bloc has no `fatherland_front` organisation to lead it",
        "state_conflict",
        "một cuộc vận động đang chạy được chuyển tới đó, nhưng khối chưa có tổ chức `fatherland_front` để chủ trì",
    ),
    (
        "the bloc has no units of kind {}",
        "state_conflict",
        "khối không có đơn vị loại {}",
    ),
    (
        "this target is measured on units of kind {}; {} is a {}",
        "invalid_value",
        "chỉ tiêu này đo trên đơn vị loại {}; {} là {}",
    ),
    (
        "a {} target takes {}, not {}",
        "invalid_value",
        "chỉ tiêu loại {} nhận {}, không nhận {}",
    ),
    (
        "is required for a count_true target",
        "required",
        "là bắt buộc với chỉ tiêu count_true",
    ),
    (
        "is required for a ratio target",
        "required",
        "là bắt buộc với chỉ tiêu tỷ lệ",
    ),
    (
        "is required for a {} target",
        "required",
        "là bắt buộc với chỉ tiêu loại {}",
    ),
    (
        "a count_true target counts units",
        "invalid_value",
        "chỉ tiêu count_true đếm đơn vị",
    ),
    (
        "a ratio target is measured in percent",
        "invalid_value",
        "chỉ tiêu tỷ lệ đo bằng phần trăm",
    ),
    (
        "a correction is for the same unit",
        "invalid_value",
        "bản sửa phải cho cùng đơn vị",
    ),
    (
        "a registration is by a unit or by an organisation, not both",
        "invalid_value",
        "đăng ký do một đơn vị hoặc một tổ chức, không phải cả hai",
    ),
    (
        "give the unit_id or the organisation_id",
        "required",
        "hãy ghi unit_id hoặc organisation_id",
    ),
    (
        "that figure was already corrected by {}; correct the latest one",
        "state_conflict",
        "số liệu đó đã được sửa bởi {}; hãy sửa bản mới nhất",
    ),
    (
        "that figure was corrected meanwhile; correct the latest one",
        "state_conflict",
        "số liệu đó vừa được sửa; hãy sửa bản mới nhất",
    ),
    ("figure [{}]: {}", "invalid", "số liệu [{}]: {}"),
    (
        "the campaign is closed; reopen it (status active) to change it",
        "state_conflict",
        "cuộc vận động đã đóng; hãy mở lại (trạng thái active) để sửa",
    ),
    (
        "the target has figures: its measure and aggregation can no longer change",
        "state_conflict",
        "chỉ tiêu đã có số liệu: không thể đổi cách đo và cách tổng hợp",
    ),
    (
        "the campaign already has figures, targets or registrations dated {}",
        "date_order",
        "cuộc vận động đã có số liệu, chỉ tiêu hoặc đăng ký ngày {}",
    ),
    (
        "figures are imported into one target: give campaign_id and target_id",
        "required",
        "số liệu được nhập vào một chỉ tiêu: hãy ghi campaign_id và target_id",
    ),
    // Supervisions.
    (
        "a supervision is concluded with its conclusion",
        "required",
        "cuộc giám sát kết thúc kèm kết luận",
    ),
    (
        "findings are recorded while a supervision is in progress or just concluded; this one is {}",
        "state_conflict",
        "kết quả giám sát được ghi khi cuộc giám sát đang diễn ra hoặc vừa kết luận; cuộc này đang ở trạng thái {}",
    ),
    (
        "recommendations come from a supervision under way or concluded; this one is {}",
        "state_conflict",
        "kiến nghị đến từ cuộc giám sát đang diễn ra hoặc đã kết luận; cuộc này đang ở trạng thái {}",
    ),
    (
        "the supervision is closed",
        "state_conflict",
        "cuộc giám sát đã đóng",
    ),
    (
        "{} recommendation(s) not yet settled: {}",
        "state_conflict",
        "{} kiến nghị chưa được giải quyết: {}",
    ),
    // Structure.
    (
        "a unit named `{}` already exists there",
        "duplicate",
        "đã có đơn vị tên `{}` ở đó",
    ),
    (
        "a province of this name exists",
        "duplicate",
        "đã có tỉnh tên này",
    ),
    (
        "the organisation code `{}` is already used in this bloc",
        "duplicate",
        "mã tổ chức `{}` đã được dùng trong khối",
    ),
    (
        "the sub-committee code `{}` is already used in this bloc",
        "duplicate",
        "mã tiểu ban `{}` đã được dùng trong khối",
    ),
    (
        "this person is already assigned to this unit for this purpose from {} (assignment {})",
        "duplicate",
        "người này đã được phân công phụ trách đơn vị này với mục đích này từ {} (phân công {})",
    ),
    (
        "the bloc was dissolved on {} already",
        "state_conflict",
        "khối đã giải thể từ ngày {}",
    ),
    (
        "{} was dissolved on {}: its records are read-only",
        "read_only",
        "{} đã giải thể ngày {}: hồ sơ chỉ được đọc",
    ),
    (
        "the most webhooks allowed is {}; point an existing one at the new URL instead (PATCH)",
        "state_conflict",
        "số webhook tối đa là {}; hãy trỏ một webhook hiện có tới URL mới (PATCH)",
    ),
    (
        "a resource with the same unique value already exists",
        "duplicate",
        "đã có tài nguyên với cùng giá trị duy nhất",
    ),
    (
        "the change refers to or is referred to by another resource",
        "in_use",
        "thay đổi tham chiếu tới hoặc đang được tài nguyên khác tham chiếu",
    ),
    // Imports.
    (
        "the first row must name the columns",
        "invalid",
        "dòng đầu phải ghi tên các cột",
    ),
    (
        "has no rows under its header",
        "required",
        "không có dòng nào dưới dòng tiêu đề",
    ),
    (
        "a CSV file must be UTF-8",
        "invalid_format",
        "tệp CSV phải mã hóa UTF-8",
    ),
    (
        "row {}: not valid CSV ({})",
        "invalid_format",
        "dòng {}: không phải CSV hợp lệ ({})",
    ),
    (
        "not a readable XLSX workbook ({})",
        "invalid_format",
        "không đọc được tệp XLSX ({})",
    ),
    (
        "the workbook has no sheet",
        "invalid_format",
        "tệp không có trang tính nào",
    ),
    (
        "the workbook unpacks to more than {} bytes",
        "too_long",
        "tệp khi giải nén vượt quá {} byte",
    ),
    (
        "`{}` is not a column of this import; known: {}",
        "unknown_field",
        "`{}` không phải cột của loại nhập này; các cột: {}",
    ),
    (
        "`{}` repeats the column `{}`",
        "duplicate",
        "`{}` lặp lại cột `{}`",
    ),
    ("`{}` is required", "required", "cột `{}` là bắt buộc"),
    ("(`{}`) {}", "invalid", "(`{}`) {}"),
    (
        "imports are the bloc's own people's",
        "not_allowed",
        "chỉ người của khối mới được nhập dữ liệu",
    ),
    (
        "send the file as {} or {}",
        "invalid_format",
        "hãy gửi tệp dạng {} hoặc {}",
    ),
    // Sign-in and tokens.
    (
        "a bearer token is required",
        "required",
        "cần mã truy cập (bearer token)",
    ),
    (
        "the Authorization header must be `Bearer <token>`",
        "invalid_format",
        "header Authorization phải là `Bearer <token>`",
    ),
    (
        "the Authorization header is malformed",
        "invalid_format",
        "header Authorization sai định dạng",
    ),
    (
        "malformed HTTP Basic credentials",
        "invalid_format",
        "thông tin HTTP Basic sai định dạng",
    ),
    ("token expired", "invalid", "mã truy cập đã hết hạn"),
    (
        "the access token has expired",
        "invalid",
        "mã truy cập đã hết hạn",
    ),
    (
        "the account is disabled",
        "state_conflict",
        "tài khoản đã bị khóa",
    ),
    (
        "this API client is disabled",
        "state_conflict",
        "ứng dụng (API client) này đã bị khóa",
    ),
    (
        "the token's account no longer exists",
        "unknown_reference",
        "tài khoản của mã truy cập không còn tồn tại",
    ),
    (
        "the account has changed since this token was issued; sign in again",
        "invalid",
        "tài khoản đã thay đổi từ khi cấp mã này; hãy đăng nhập lại",
    ),
    (
        "the refresh token has been revoked; sign in again",
        "invalid",
        "refresh token đã bị thu hồi; hãy đăng nhập lại",
    ),
    (
        "the refresh token has expired; sign in again",
        "invalid",
        "refresh token đã hết hạn; hãy đăng nhập lại",
    ),
    (
        "the refresh token is not valid",
        "invalid",
        "refresh token không hợp lệ",
    ),
    (
        "the refresh token was already used; its session has been revoked",
        "invalid",
        "refresh token đã được dùng; phiên đăng nhập đã bị thu hồi",
    ),
    (
        "unknown client, wrong secret, or disabled client",
        "invalid",
        "ứng dụng không tồn tại, sai mã bí mật hoặc đã bị khóa",
    ),
    (
        "only client_credentials is supported here (people sign in at /auth/login)",
        "invalid_value",
        "ở đây chỉ hỗ trợ client_credentials (người dùng đăng nhập tại /auth/login)",
    ),
    (
        "this client's token does not hold the `{}` scope",
        "not_allowed",
        "mã của ứng dụng này không có phạm vi `{}`",
    ),
    (
        "the client may not have `{}`",
        "not_allowed",
        "ứng dụng không được có `{}`",
    ),
    (
        "wrong username or password",
        "invalid",
        "sai tên đăng nhập hoặc mật khẩu",
    ),
    (
        "this account's password was set by someone else: choose your own at POST /api/v1/me/password first (GET /api/v1/me and POST /api/v1/auth/logout work meanwhile)",
        "not_allowed",
        "mật khẩu của tài khoản này do người khác đặt: hãy tự đặt mật khẩu tại POST /api/v1/me/password trước (trong lúc đó vẫn dùng được GET /api/v1/me và POST /api/v1/auth/logout)",
    ),
    // Permissions.
    (
        "the {} role may not {} {}",
        "not_allowed",
        "vai trò {!} không được {} {}",
    ),
    (
        "only the bloc's own people {} its {}",
        "not_allowed",
        "chỉ người của khối mới được {} {} của khối",
    ),
    // Requests.
    (
        "the request body is empty; a JSON object is expected",
        "required",
        "nội dung yêu cầu trống; cần một đối tượng JSON",
    ),
    (
        "the request body is not valid JSON: {}",
        "invalid_format",
        "nội dung yêu cầu không phải JSON hợp lệ: {}",
    ),
    (
        "the request body could not be read",
        "invalid",
        "không đọc được nội dung yêu cầu",
    ),
    (
        "the request body did not arrive in time",
        "invalid",
        "nội dung yêu cầu không đến kịp thời hạn",
    ),
    (
        "the request body exceeds the limit of {} bytes",
        "too_long",
        "nội dung yêu cầu vượt giới hạn {} byte",
    ),
    (
        "Content-Type `{}` is not supported; send {}",
        "invalid_format",
        "không hỗ trợ Content-Type `{}`; hãy gửi {}",
    ),
    (
        "Content-Type is missing; send application/json",
        "required",
        "thiếu Content-Type; hãy gửi application/json",
    ),
    (
        "send application/json or application/x-www-form-urlencoded",
        "invalid_format",
        "hãy gửi application/json hoặc application/x-www-form-urlencoded",
    ),
    (
        "invalid parameter `{}`: {}",
        "invalid",
        "tham số `{}` không hợp lệ: {}",
    ),
    (
        "invalid query string: {}",
        "invalid",
        "chuỗi truy vấn không hợp lệ: {}",
    ),
    (
        "invalid path parameter: {}",
        "invalid",
        "tham số đường dẫn không hợp lệ: {}",
    ),
    ("invalid path", "invalid", "đường dẫn không hợp lệ"),
    (
        "this resource supports {}",
        "not_allowed",
        "tài nguyên này hỗ trợ {}",
    ),
    (
        "the resource is at version {} (ETag {}); fetch it again and retry",
        "state_conflict",
        "tài nguyên đang ở phiên bản {} (ETag {}); hãy tải lại rồi thử lại",
    ),
    (
        "the resource was changed by someone else meanwhile; fetch it again and retry",
        "state_conflict",
        "tài nguyên vừa bị người khác thay đổi; hãy tải lại rồi thử lại",
    ),
    (
        "the database is unavailable; retry after the number of seconds in Retry-After",
        "invalid",
        "cơ sở dữ liệu tạm thời không truy cập được; hãy thử lại sau số giây trong Retry-After",
    ),
    (
        "the file store is unavailable; retry after the number of seconds in Retry-After",
        "invalid",
        "kho lưu tệp tạm thời không truy cập được; hãy thử lại sau số giây trong Retry-After",
    ),
    (
        "an unexpected error occurred; the request id identifies it in the logs",
        "invalid",
        "đã xảy ra lỗi không mong muốn; mã yêu cầu (request id) giúp tìm lỗi trong nhật ký",
    ),
    (
        "too many sign-in attempts for this username; try again in {} seconds",
        "invalid",
        "quá nhiều lần đăng nhập với tên đăng nhập này; hãy thử lại sau {} giây",
    ),
    (
        "too many sign-ins from this address; try again in a minute",
        "invalid",
        "quá nhiều lượt đăng nhập từ địa chỉ này; hãy thử lại sau một phút",
    ),
    (
        "the service is receiving too many sign-ins; try again shortly",
        "invalid",
        "hệ thống đang nhận quá nhiều lượt đăng nhập; hãy thử lại sau ít phút",
    ),
    (
        "too many sign-ins are being checked at once; retry in a moment",
        "invalid",
        "đang kiểm tra quá nhiều lượt đăng nhập cùng lúc; hãy thử lại sau giây lát",
    ),
    (
        "this client may make {} requests a minute",
        "invalid",
        "ứng dụng này được gửi tối đa {} yêu cầu mỗi phút",
    ),
    (
        "the recommendation is {}: it takes no more responses",
        "state_conflict",
        "kiến nghị đang ở trạng thái {}: không nhận thêm phản hồi",
    ),
    ("{} fields are invalid", "invalid", "{} trường không hợp lệ"),
    ("ping timed out", "invalid", "ping quá thời gian chờ"),
];

/// Words that fill patterns (resource names, actions, what a role may not touch), so the
/// Vietnamese reads as Vietnamese around them. Values a client sends (statuses, kinds) stay
/// as they are: they are the API's own words.
pub const GLOSSARY: &[(&str, &str)] = &[
    ("task", "nhiệm vụ"),
    ("tasks", "nhiệm vụ"),
    ("directive", "văn bản chỉ đạo"),
    ("directives", "văn bản chỉ đạo"),
    ("dispatch", "lượt gửi văn bản"),
    ("campaign", "cuộc vận động"),
    ("campaigns", "cuộc vận động"),
    ("supervision", "cuộc giám sát"),
    ("recommendation", "kiến nghị"),
    ("meeting", "cuộc họp"),
    ("meetings", "cuộc họp"),
    ("bloc", "khối"),
    ("account", "tài khoản"),
    ("client", "ứng dụng"),
    ("province", "tỉnh"),
    ("unit", "đơn vị"),
    ("units", "đơn vị cơ sở"),
    ("grassroots unit", "đơn vị cơ sở"),
    ("organisation", "tổ chức"),
    ("organisations", "tổ chức"),
    ("sub-committee", "tiểu ban"),
    ("sub-committees", "tiểu ban"),
    ("staff member", "cán bộ"),
    ("staff", "cán bộ"),
    ("figure of this target", "số liệu của chỉ tiêu"),
    ("webhook", "webhook"),
    ("read", "xem"),
    ("create", "tạo"),
    ("change", "sửa"),
    ("change the contact details of", "sửa thông tin liên hệ của"),
    ("move", "chuyển"),
    ("assign", "giao"),
    ("start", "bắt đầu"),
    ("submit", "trình"),
    ("complete", "hoàn thành"),
    ("return", "trả lại"),
    ("cancel", "hủy"),
    ("reassign", "giao lại"),
    ("report on", "báo cáo"),
    ("recognise", "ghi nhận"),
    ("withdraw", "rút"),
    ("record a response to", "ghi phản hồi cho"),
    ("delegate", "giao xuống"),
    ("accept", "nhận"),
    ("decline", "từ chối"),
    ("add", "thêm"),
    ("merge", "sáp nhập"),
    ("plan", "lập kế hoạch"),
    ("record", "ghi nhận"),
    ("run", "tổ chức"),
    (
        "this person between these sub-committees",
        "người này giữa các tiểu ban này",
    ),
    (
        "this bloc under another (the admin does)",
        "khối này sang khối khác (do quản trị viên làm)",
    ),
    ("provinces", "tỉnh"),
    ("this bloc", "khối này"),
    ("accounts", "tài khoản"),
    ("this organisation", "tổ chức này"),
    ("this sub-committee", "tiểu ban này"),
    ("this staff member", "cán bộ này"),
    ("grassroots units", "đơn vị cơ sở"),
    (
        "this task (nobody approves their own work)",
        "nhiệm vụ này (không ai tự duyệt việc của mình)",
    ),
    ("this task", "nhiệm vụ này"),
    (
        "this campaign (its lead organisation's leader or the bloc head)",
        "cuộc vận động này (người đứng đầu tổ chức chủ trì hoặc trưởng khối)",
    ),
    (
        "this campaign's targets (its lead organisation's leader or the bloc head)",
        "chỉ tiêu của cuộc vận động này (người đứng đầu tổ chức chủ trì hoặc trưởng khối)",
    ),
    ("campaign figures", "số liệu cuộc vận động"),
    (
        "this registration (its campaign's lead organisation's leader or the bloc head)",
        "đăng ký này (người đứng đầu tổ chức chủ trì cuộc vận động hoặc trưởng khối)",
    ),
    ("campaign registrations", "đăng ký tham gia cuộc vận động"),
    (
        "this supervision (the bloc head, or the deputy head of its sub-committee or lead organisation)",
        "cuộc giám sát này (trưởng khối, hoặc phó trưởng khối phụ trách tiểu ban hay tổ chức chủ trì)",
    ),
    (
        "findings of this supervision (its members and leaders)",
        "kết quả của cuộc giám sát này (thành viên và lãnh đạo đoàn)",
    ),
    ("recommendations", "kiến nghị"),
    (
        "this supervision's recommendations (its leaders)",
        "kiến nghị của cuộc giám sát này (lãnh đạo đoàn)",
    ),
    ("unit assignments", "phân công phụ trách đơn vị"),
    ("directive dispatches", "lượt gửi văn bản"),
    ("the change feed", "luồng thay đổi"),
    ("API clients", "ứng dụng (API client)"),
    ("webhooks", "webhook"),
    ("the province summary", "bảng tổng hợp của tỉnh"),
    ("the audit log", "nhật ký kiểm toán"),
    (
        "this file (its uploader or the bloc head)",
        "tệp này (người tải lên hoặc trưởng khối)",
    ),
    ("its creation", "ngày tạo"),
];

/// A filler in Vietnamese: a word of the glossary, or a message of its own (the reason inside
/// "invalid parameter `x`: …"), or as it is.
fn filler(text: &str) -> String {
    if let Some((_, vi)) = GLOSSARY.iter().find(|(en, _)| *en == text) {
        return (*vi).to_string();
    }
    if text.contains(' ')
        && let Some(vi) = vietnamese(text)
    {
        return vi;
    }
    text.to_string()
}

/// The captures of `message` against `pattern`, or None when it does not match.
fn captures<'m>(pattern: &str, message: &'m str) -> Option<Vec<&'m str>> {
    let pieces: Vec<&str> = pattern.split("{}").collect();
    let mut rest = message.strip_prefix(pieces[0])?;
    let mut out = Vec::new();
    for (i, piece) in pieces.iter().enumerate().skip(1) {
        let last = i == pieces.len() - 1;
        let at = if last {
            if piece.is_empty() {
                rest.len()
            } else {
                rest.strip_suffix(piece).map(str::len)?
            }
        } else {
            rest.find(piece)?
        };
        if at == 0 {
            return None;
        }
        out.push(&rest[..at]);
        rest = &rest[at + piece.len()..];
    }
    rest.is_empty().then_some(out)
}

fn lookup(message: &str) -> Option<(&'static Entry, Vec<&str>)> {
    MESSAGES
        .iter()
        .find_map(|e| captures(e.0, message).map(|c| (e, c)))
}

/// The code of a message (`invalid` when the catalog does not know it).
pub fn code_of(message: &str) -> &'static str {
    lookup(message).map_or("invalid", |(e, _)| e.1)
}

/// The Vietnamese of a message, its fillers carried over (and translated where they are
/// words of the glossary); None when the catalog does not know it.
pub fn vietnamese(message: &str) -> Option<String> {
    let ((_, _, vi), raw) = lookup(message)?;
    let caps: Vec<String> = raw.iter().map(|c| filler(c)).collect();
    let mut out = String::new();
    let mut next = 0;
    let mut rest = *vi;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let inner = &rest[open + 1..open + close];
        // `{}` the next filler, `{N}` the N-th, `{!}` the next one untranslated (a role
        // name, which is the API's own word).
        let index = match inner {
            "" | "!" => {
                next += 1;
                Some(next - 1)
            }
            n => n.parse::<usize>().ok(),
        };
        out.push_str(&rest[..open]);
        match index {
            Some(i) if inner == "!" => out.push_str(raw.get(i).copied().unwrap_or_default()),
            Some(i) if i < caps.len() => out.push_str(&caps[i]),
            _ => out.push_str(&rest[open..=open + close]),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_and_carry_their_fillers() {
        assert_eq!(code_of("must be at most 200 characters"), "too_long");
        assert_eq!(
            vietnamese("must be at most 200 characters").unwrap(),
            "tối đa 200 ký tự"
        );
        assert_eq!(
            vietnamese("a draft task cannot become completed").unwrap(),
            "nhiệm vụ đang ở trạng thái draft không thể chuyển sang completed"
        );
        assert_eq!(
            vietnamese("the staff role may not create directives").unwrap(),
            "vai trò staff không được tạo văn bản chỉ đạo"
        );
        assert_eq!(code_of("no such task in this bloc"), "unknown_reference");
        assert_eq!(
            vietnamese("no such task in this bloc").unwrap(),
            "không có nhiệm vụ này trong khối"
        );
        assert_eq!(code_of("is required"), "required");
        assert_eq!(code_of("something nobody wrote"), "invalid");
        assert!(vietnamese("something nobody wrote").is_none());
        // A pattern without fillers matches only itself.
        assert_eq!(code_of("is required for this role"), "required");
        assert!(captures("is required", "is required!").is_none());
    }

    #[test]
    fn every_problem_type_has_both_titles_and_a_unique_code() {
        for (i, t) in TYPES.iter().enumerate() {
            assert!(
                !t.en.is_empty() && !t.vi.is_empty() && !t.about.is_empty(),
                "{}",
                t.code
            );
            assert!(
                TYPES[i + 1..].iter().all(|o| o.code != t.code),
                "{}",
                t.code
            );
        }
        for (_, code, _) in MESSAGES {
            assert!(
                FIELD_CODES.iter().any(|(c, _)| c == code) || TYPES.iter().any(|t| t.code == *code),
                "{code}"
            );
        }
    }

    /// Reads every message the code writes into an error and requires an entry for it, so a
    /// new message cannot ship without its Vietnamese.
    #[test]
    fn every_message_in_the_code_has_vietnamese() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut missing = Vec::new();
        let mut seen = 0;
        for file in rust_files(&root) {
            if file.ends_with("error/catalog.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for literal in error_literals(&text) {
                seen += 1;
                // `{name}` and `{}` in a format string are fillers.
                let sample = fill(&literal);
                let filler = GLOSSARY.iter().any(|(en, _)| *en == literal);
                if lookup(&sample).is_none() && !filler {
                    missing.push(format!("{}: {literal}", file.display()));
                }
            }
        }
        assert!(
            seen > 150,
            "only {seen} messages found: the scanner is broken"
        );
        assert!(
            missing.is_empty(),
            "no Vietnamese for:\n{}",
            missing.join("\n")
        );
    }

    fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(rust_files(&p));
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
        out
    }

    const CALLS: &[&str] = &[
        "FieldError::new(",
        "ApiError::invalid(",
        "ApiError::bad_field(",
        "ApiError::bad_request(",
        "ApiError::conflict(",
        "ApiError::Forbidden(",
        "ApiError::NotFound(",
        "ApiError::Unauthorized(",
        "ApiError::InvalidToken(",
        "ApiError::PreconditionFailed(",
        "ApiError::UnsupportedMediaType(",
        "checks.add(",
        "c.add(",
        "detail: format!(",
        "detail:",
        "READ_ONLY,",
    ];

    /// The string literals inside the calls that make errors, but field names (one word).
    fn error_literals(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for call in CALLS {
            let mut from = 0;
            while let Some(i) = text[from..].find(call) {
                let start = from + i + call.len();
                from = start;
                let mut depth = 1;
                let bytes = text.as_bytes();
                let mut j = start;
                while j < bytes.len() && depth > 0 && j < start + 600 {
                    match bytes[j] {
                        b'(' => depth += 1,
                        b')' => depth -= 1,
                        b'"' => {
                            let mut k = j + 1;
                            while k < bytes.len() && bytes[k] != b'"' {
                                if bytes[k] == b'\\' {
                                    k += 1;
                                }
                                k += 1;
                            }
                            let lit = unescape(&text[j + 1..k.min(text.len())]);
                            let words = lit
                                .split_whitespace()
                                .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
                                .count();
                            // thiserror's Display strings are for logs, not clients.
                            let attribute = text[..j].ends_with("#[error(");
                            if words >= 2 && !lit.starts_with('/') && !attribute {
                                out.push(lit);
                            }
                            j = k;
                        }
                        _ => {}
                    }
                    j += 1;
                }
            }
        }
        out
    }

    fn unescape(s: &str) -> String {
        // Rust's line continuation: a backslash, the line break and the next line's indent.
        let mut out = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('\n') => {
                        while chars.peek().is_some_and(|c| c.is_whitespace()) {
                            chars.next();
                        }
                    }
                    Some('"') => out.push('"'),
                    Some('n') => out.push('\n'),
                    Some(o) => {
                        out.push('\\');
                        out.push(o);
                    }
                    None => {}
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    /// A format string with each `{…}` replaced by a sample filler.
    fn fill(literal: &str) -> String {
        let mut out = String::new();
        let mut rest = literal;
        while let Some(open) = rest.find('{') {
            match rest[open..].find('}') {
                Some(close) => {
                    out.push_str(&rest[..open]);
                    out.push('X');
                    rest = &rest[open + close + 1..];
                }
                None => break,
            }
        }
        out.push_str(rest);
        out
    }
}
