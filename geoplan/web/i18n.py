"""The workbench's words: Vietnamese first, English on request (the language link, a cookie).

Messages that come from geoplan itself (validation problems, findings) are shown as geoplan
wrote them; kind and field labels come from :data:`geoplan.kinds.KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable

from geoplan.kinds import KINDS

__all__ = ["LANGS", "MESSAGES", "field_label", "kind_label", "stage_label", "translator"]

LANGS = ("vi", "en")

#: key → (Vietnamese, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "app-title": ("Bàn làm việc quy hoạch", "Planner's workbench"),
    "nav-plans": ("Phương án quy hoạch", "Plans"),
    "nav-compare": ("So sánh phương án", "Compare plans"),
    "footer": ("chạy trên máy của bạn; dữ liệu không rời khỏi máy",
               "runs on your machine; the data never leaves it"),
    "error": ("Lỗi", "Error"),
    "back-home": ("Về trang chính", "Back to the start page"),
    "plans": ("Các phương án quy hoạch", "Plans"),
    "plan": ("Phương án", "Plan"),
    "source": ("Nguồn", "Source"),
    "last-run": ("Lần chạy gần nhất", "Last run"),
    "made-here": ("tạo trong ứng dụng", "made in the app"),
    "needs-mapping": ("cần ánh xạ cột", "columns to map"),
    "map-columns": ("Ánh xạ cột", "Map the columns"),
    "no-plans": ("Chưa có phương án nào. Tạo phương án mới bằng cách thả các tệp dữ liệu vào "
                 "dưới đây.", "No plan yet. Make one by dropping its files below."),
    "new-plan": ("Tạo phương án mới", "New plan"),
    "plan-name": ("Tên phương án", "Plan name"),
    "province": ("Tỉnh/thành phố", "Province"),
    "analysis-crs": ("Hệ tọa độ phân tích (tùy chọn)", "Analysis CRS (optional)"),
    "drop-files": ("Thả hoặc chọn các tệp dữ liệu", "Drop or choose the data files"),
    "formats-hint": ("GeoJSON, GeoPackage, Shapefile (.shp kèm .shx .dbf .prj hoặc nén .zip), "
                     "KML/KMZ, CSV/XLSX có cột tọa độ, GeoTIFF dân số, GeoParquet, FlatGeobuf.",
                     "GeoJSON, GeoPackage, Shapefile (.shp with .shx .dbf .prj, or zipped), "
                     "KML/KMZ, CSV/XLSX with coordinate columns, population GeoTIFF, GeoParquet, "
                     "FlatGeobuf."),
    "limit": ("Giới hạn mỗi tệp", "Limit per file"),
    "upload": ("Tải lên", "Upload"),
    "upload-too-large": ("Dữ liệu tải lên vượt giới hạn {limit}; chia nhỏ tệp hoặc khởi động "
                         "lại với geoplan serve --max-upload-mb.",
                         "The upload is larger than the limit of {limit}; split it or restart "
                         "with geoplan serve --max-upload-mb."),
    "mapping-title": ("Ánh xạ cột dữ liệu", "Map the columns"),
    "mapping-hint": ("Chọn loại lớp cho từng tệp và cột nguồn cho từng trường chuẩn. Các gợi ý "
                     "dựa trên tên cột tiếng Việt thường gặp; giá trị không khớp danh mục được "
                     "liệt kê màu đỏ. Khi lưu, ứng dụng ghi một tệp plan.toml bình thường.",
                     "Pick each file's layer kind and the source column of each canonical "
                     "field. Suggestions come from the usual Vietnamese column names; values "
                     "outside the vocabulary are listed in red. Saving writes an ordinary "
                     "plan.toml."),
    "refused": ("Không nhận tệp", "Refused"),
    "no-files": ("Chưa có tệp nào được tải lên.", "No file was uploaded."),
    "mapping-has-errors": ("Ánh xạ chưa đúng:", "The mapping has problems:"),
    "err-name": ("phương án cần có tên", "the plan needs a name"),
    "err-layer-name": ("tên lớp phải là chữ, số, _ hoặc - và không trùng",
                       "layer names are letters, digits, _ or -, each used once"),
    "err-kind": ("loại lớp không phù hợp với hình học của tệp",
                 "the kind does not fit the file's geometry"),
    "err-coordinates": ("bảng cần hai cột tọa độ khác nhau (X, Y)",
                        "a table needs two different coordinate columns (X, Y)"),
    "err-no-layer": ("chọn ít nhất một lớp", "include at least one layer"),
    "unreadable": ("Không đọc được tệp", "Cannot read the file"),
    "features": ("đối tượng", "features"),
    "no-crs": ("không khai báo", "none declared"),
    "include-layer": ("Đưa vào phương án", "Include in the plan"),
    "layer-name": ("Tên lớp", "Layer name"),
    "kind": ("Loại lớp", "Kind"),
    "crs": ("Hệ tọa độ (EPSG)", "CRS (EPSG)"),
    "x-field": ("Cột hoành độ (kinh độ / Easting)", "X column (longitude / easting)"),
    "y-field": ("Cột tung độ (vĩ độ / Northing)", "Y column (latitude / northing)"),
    "xy-hint": ("Lưu ý: trong tài liệu VN-2000, X là tọa độ Bắc (northing) và Y là tọa độ Đông; "
                "gợi ý dựa trên giá trị của cột.",
                "Note: in VN-2000 documents X is the northing and Y the easting; the suggestion "
                "is judged from the values."),
    "save-mapping": ("Lưu và kiểm tra dữ liệu", "Save and validate"),
    "add-files": ("Thêm tệp", "Add files"),
    "field": ("Trường", "Field"),
    "column": ("Cột nguồn", "Source column"),
    "values": ("Giá trị", "Values"),
    "required": ("bắt buộc", "required"),
    "required-missing": ("bắt buộc — chưa chọn cột", "required — no column chosen"),
    "unmatched": ("Không khớp", "Not recognised"),
    "accepted-values": ("Giá trị chấp nhận", "Accepted values"),
    "raster-hint": ("Lớp raster dân số: không có cột để ánh xạ.",
                    "Population raster: no columns to map."),
    "opened-in-place": ("Mở tại chỗ (chỉ đọc)", "Opened where it is (read only)"),
    "validate": ("Kiểm tra dữ liệu", "Validate"),
    "layers": ("Các lớp", "Layers"),
    "file": ("Tệp", "File"),
    "columns-mapped": ("Ánh xạ cột", "Columns"),
    "run-analysis": ("Chạy phân tích", "Run the analysis"),
    "run-in-progress": ("Đang chạy một lần phân tích.", "A run is in progress."),
    "follow-run": ("Theo dõi", "Follow it"),
    "opt-checks": ("Kiểm tra quy định (chồng lấn, hành lang, quy mô…)",
                   "Rule checks (overlaps, corridors, sizes…)"),
    "opt-grid": ("Rà soát lưới điện", "Grid audit"),
    "opt-coverage": ("Khả năng cấp điện", "Grid coverage"),
    "opt-site": ("Đề xuất số vị trí trạm 110 kV mới", "New 110 kV substation sites to propose"),
    "opt-xlsx": ("Báo cáo Excel", "Excel report"),
    "start-run": ("Chạy", "Run"),
    "runs": ("Các lần chạy", "Runs"),
    "started": ("Bắt đầu", "Started"),
    "status": ("Trạng thái", "Status"),
    "findings": ("Kết quả kiểm tra", "Findings"),
    "seconds": ("Giây", "Seconds"),
    "no-runs": ("Chưa chạy lần nào.", "No run yet."),
    "accepted-findings": ("Kết quả đã chấp nhận", "Accepted findings"),
    "rule": ("Quy tắc", "Rule"),
    "feature": ("Đối tượng", "Feature"),
    "reason": ("Lý do", "Reason"),
    "when": ("Thời điểm", "When"),
    "unaccept": ("Bỏ chấp nhận", "Withdraw"),
    "accepted-hint": ("Lưu cùng phương án (accepted.json); hiện trong bảng kết quả của mọi lần "
                      "chạy.", "Stored with the plan (accepted.json); shown in the findings of "
                      "every run."),
    "no-accepted": ("Chưa có kết quả nào được chấp nhận.", "No finding accepted."),
    "delete-plan": ("Xóa phương án khỏi ứng dụng", "Remove the plan from the app"),
    "validation": ("Kiểm tra dữ liệu", "Validation"),
    "revalidate": ("Kiểm tra lại", "Validate again"),
    "to-plan": ("Về phương án", "Back to the plan"),
    "checked-at": ("Kiểm tra lúc", "Checked at"),
    "severity": ("Mức độ", "Severity"),
    "code": ("Mã", "Code"),
    "layer": ("Lớp", "Layer"),
    "message": ("Nội dung", "Message"),
    "fix": ("Cách sửa", "Fix"),
    "links-after-run": ("Sau lần chạy đầu tiên, mã đối tượng sẽ dẫn tới vị trí trên bản đồ.",
                        "After the first run, feature ids link to their place on the map."),
    "map": ("Bản đồ", "Map"),
    "map-of-run": ("Bản đồ của lần chạy", "Map of the run"),
    "feature-not-on-map": ("Không tìm thấy đối tượng này trên bản đồ.",
                           "This feature is not on the map."),
    "no-run-yet": ("Chưa có lần chạy nào hoàn thành cho phương án này.",
                   "No finished run of this plan yet."),
    "run": ("Lần chạy", "Run"),
    "cancel": ("Hủy", "Cancel"),
    "stale": ("Dữ liệu đầu vào đã thay đổi sau lần chạy này; kết quả dưới đây là của dữ liệu cũ.",
              "The input files changed after this run; what follows is of the earlier files."),
    "accepted": ("Đã chấp nhận", "Accepted"),
    "open-map": ("Mở bản đồ", "Open the map"),
    "open-report": ("Mở báo cáo", "Open the report"),
    "download": ("Tải về", "Download"),
    "download-export": ("Tải thư mục xuất dữ liệu (zip: GeoJSON, GeoPackage, manifest)",
                        "Download the export folder (zip: GeoJSON, GeoPackage, manifest)"),
    "download-findings": ("Tải kết quả kiểm tra (GeoJSON)", "Download the findings (GeoJSON)"),
    "download-meta": ("Tải thông tin lần chạy (mã băm đầu vào)",
                      "Download the run's record (input hashes)"),
    "all": ("tất cả", "all"),
    "commune": ("Xã/phường", "Commune"),
    "state": ("Xử lý", "State"),
    "open": ("chưa xử lý", "open"),
    "no-findings": ("Không có kết quả nào.", "No finding."),
    "show-on-map": ("Xem trên bản đồ", "Show on the map"),
    "accept": ("Chấp nhận", "Accept"),
    "reason-needed": ("Ghi lý do chấp nhận.", "Give the reason for accepting it."),
    "coverage": ("Khả năng cấp điện", "Coverage"),
    "name": ("Tên", "Name"),
    "covered": ("Được cấp", "Covered"),
    "substation": ("Trạm", "Substation"),
    "substations": ("Trạm biến áp", "Substations"),
    "distance-km": ("Khoảng cách (km)", "Distance (km)"),
    "demand-mw": ("Phụ tải (MW)", "Demand (MW)"),
    "firm-mw": ("Công suất (MW)", "Firm capacity (MW)"),
    "load-mw": ("Tải (MW)", "Load (MW)"),
    "headroom-mw": ("Dự phòng (MW)", "Headroom (MW)"),
    "what-was-analysed": ("Dữ liệu đã phân tích", "What was analysed"),
    "rule-table": ("bảng quy tắc", "rule table"),
    "run-failed": ("Lần chạy không thành công", "The run failed"),
    "compare-title": ("So sánh hai phương án", "Compare two plans"),
    "compare-hint": ("Đối chiếu từng đối tượng theo mã: thêm, bớt, dịch chuyển, thay đổi thuộc "
                     "tính.", "Feature by feature through their ids: added, removed, moved, "
                     "changed."),
    "compare-need-two": ("Cần ít nhất hai phương án đã ánh xạ cột.",
                         "Two plans with mapped columns are needed."),
    "compare-before": ("Phương án trước", "Before"),
    "compare-after": ("Phương án sau", "After"),
    "compare-start": ("So sánh", "Compare"),
    "compare-same": ("Chọn hai phương án khác nhau.", "Choose two different plans."),
    "differences": ("Số khác biệt", "Differences"),
    "change": ("Thay đổi", "Change"),
    "details": ("Chi tiết", "Details"),
    "change-added": ("thêm mới", "added"),
    "change-removed": ("bỏ đi", "removed"),
    "change-moved": ("dịch chuyển", "moved"),
    "change-changed": ("thay đổi", "changed"),
    "sev-error": ("lỗi", "error"),
    "sev-warning": ("cảnh báo", "warning"),
    "sev-info": ("thông tin", "note"),
    "status-queued": ("đang chờ", "queued"),
    "status-running": ("đang chạy", "running"),
    "status-done": ("hoàn thành", "done"),
    "status-failed": ("không thành công", "failed"),
    "status-cancelled": ("đã hủy", "cancelled"),
    "status-interrupted": ("bị gián đoạn", "interrupted"),
    "step-load": ("Đọc dữ liệu", "Loading"),
    "step-analyse": ("Phân tích", "Analysing"),
    "step-findings": ("Tổng hợp kết quả", "Findings"),
    "step-map": ("Vẽ bản đồ", "Map"),
    "step-report": ("Lập báo cáo", "Report"),
    "step-export": ("Xuất dữ liệu", "Export"),
    "step-diff": ("So sánh", "Comparing"),
    "stages-seen": ("Các giai đoạn đã qua", "Stages so far"),
    "stage-item": ("mục vừa xong", "item just done"),
}

_RASTER_LABELS = {"population": ("Mật độ dân số (raster)", "Population (raster)")}


def translator(lang: str) -> Callable[[str], str]:
    """``t(key)``: the text of ``key`` in ``lang`` (the key itself when unknown)."""
    i = 1 if lang == "en" else 0

    def t(key: str) -> str:
        pair = MESSAGES.get(key)
        return pair[i] if pair else key

    return t


def kind_label(kind: str, lang: str) -> str:
    if kind in KINDS:
        return KINDS[kind].label_en if lang == "en" else KINDS[kind].label_vi
    pair = _RASTER_LABELS.get(kind, (kind, kind))
    return pair[1] if lang == "en" else pair[0]


def field_label(kind: str, field: str, lang: str) -> str:
    try:
        f = KINDS[kind].get(field)
    except KeyError:
        return field
    return (f.label_en if lang == "en" else f.label_vi) or field


def stage_label(name: str, lang: str) -> str:
    """The label of one of the library's progress stages (:data:`geoplan.progress.STAGES`):
    Vietnamese first, English with ``lang="en"``; the name itself for a stage it does not
    know."""
    from geoplan.progress import stage_label as label

    return label(name, "en" if lang == "en" else "vi")
