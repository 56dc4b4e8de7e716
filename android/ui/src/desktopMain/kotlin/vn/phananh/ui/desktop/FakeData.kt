package vn.phananh.ui.desktop

import java.io.File
import java.time.ZonedDateTime
import vn.phananh.ui.state.*

/**
 * Plausible Hà Tĩnh data for every screen, in the shapes the view-models produce. Photos are the
 * real phone photos of `../shared/data/photos` when that folder is present.
 */
class FakeData(private val photosDir: File?) {
    private val now = ZonedDateTime.parse("2026-11-20T09:30:00+07:00").toInstant().toEpochMilli()
    private fun ago(hours: Double) = now - (hours * 3_600_000).toLong()
    private fun ahead(hours: Double) = now + (hours * 3_600_000).toLong()

    private fun photo(rel: String, kind: MediaKind = MediaKind.PHOTO): PhotoRef? =
        photosDir?.let { File(it, rel) }?.takeIf { it.isFile }?.let { PhotoRef(it.absolutePath, kind) }

    val tenant = LocalizedText("Hà Tĩnh", "Ha Tinh")

    val categories = listOf(
        "giao_thong" to ("Giao thông" to "Traffic and roads"),
        "moi_truong" to ("Môi trường" to "Environment"),
        "trat_tu_do_thi" to ("Trật tự đô thị" to "Urban order"),
        "xay_dung" to ("Xây dựng" to "Construction"),
        "dien_chieu_sang" to ("Điện chiếu sáng" to "Street lighting"),
        "cap_thoat_nuoc" to ("Cấp thoát nước" to "Water supply and drainage"),
        "an_ninh_trat_tu" to ("An ninh trật tự" to "Public security"),
        "an_sinh_xa_hoi" to ("An sinh xã hội" to "Social welfare"),
        "y_te" to ("Y tế" to "Health"),
        "giao_duc" to ("Giáo dục" to "Education"),
        "thu_tuc_hanh_chinh" to ("Thủ tục hành chính" to "Administrative procedures"),
        "khac" to ("Khác" to "Other"),
    ).map { (code, names) -> CategoryOption(code, LocalizedText(names.first, names.second), deadlineHours = if (code == "an_ninh_trat_tu") 24 else 48) }

    private fun cat(code: String) = categories.first { it.code == code }.name

    private val thanhSen = WardInfo("18073", "Thành Sen", "Phường Thành Sen")
    private val tranPhu = WardInfo("18070", "Trần Phú", "Phường Trần Phú")
    private val camXuyen = WardInfo("18352", "Cẩm Xuyên", "Xã Cẩm Xuyên")

    val myReports = listOf(
        ReportSummary("HT-2026-004512", cat("giao_thong"), "Ổ gà lớn giữa đường Hà Huy Tập, đoạn trước số nhà 112, xe máy dễ ngã khi trời mưa.",
            thanhSen, CaseStatus.IN_PROGRESS, createdAt = ago(50.0), deadline = ahead(70.0), thumbnail = photo("samsung_galaxy_s7_edge_SM-G935L.jpg"), unread = true),
        ReportSummary("0193a1c2-7d4e-7f00-9a11-3b5c6d7e8f90", cat("moi_truong"), "Rác thải tập kết trái phép cạnh kênh, bốc mùi.",
            tranPhu, null, delivery = DeliveryState.Uploading, createdAt = ago(0.3), thumbnail = photo("orientation/landscape_1.jpg")),
        ReportSummary("HT-2026-004390", cat("dien_chieu_sang"), "Đèn đường hỏng cả đoạn Nguyễn Du từ ngã tư đến cầu, tối không thấy đường.",
            thanhSen, CaseStatus.RESOLVED, createdAt = ago(24.0 * 6), thumbnail = photo("hmd_nokia_8.3_5g.jpg")),
        ReportSummary("HT-2026-004101", cat("xay_dung"), "Công trình lấn chiếm vỉa hè, vật liệu xây dựng để tràn ra đường.",
            camXuyen, CaseStatus.FORWARDED, createdAt = ago(24.0 * 9), deadline = ago(10.0), overdue = true, thumbnail = photo("google_lg_nexus4.jpg")),
        ReportSummary("0193a1c2-0000-7f00-9a11-000000000001", cat("trat_tu_do_thi"), "Lấn chiếm lòng đường họp chợ.",
            tranPhu, null, delivery = DeliveryState.Failed(DeliveryFailure.TOO_LARGE, retryable = false), createdAt = ago(2.0)),
    )

    val publicFeed = listOf(
        ReportSummary("HT-2026-004520", cat("cap_thoat_nuoc"), "Nắp cống bị vỡ trên đường Phan Đình Phùng.", thanhSen, CaseStatus.RECEIVED,
            createdAt = ago(3.0), distanceMeters = 180.0, categoryDeadlineHours = 48, thumbnail = photo("nikon_coolpix_p6000_gps_DSCN0010.jpg")),
        ReportSummary("HT-2026-004498", cat("moi_truong"), "Đốt rác gây khói cả khu dân cư vào buổi tối.", tranPhu, CaseStatus.IN_PROGRESS,
            createdAt = ago(20.0), distanceMeters = 650.0, deadline = ahead(30.0), thumbnail = photo("orientation/landscape_1.jpg")),
        ReportSummary("HT-2026-004455", cat("giao_thong"), "Biển báo giao thông bị đổ ở ngã ba.", thanhSen, CaseStatus.RESOLVED,
            createdAt = ago(60.0), distanceMeters = 1240.0, thumbnail = photo("synthetic_gps/outside_vinh_nghe_an_orient1.jpg")),
        ReportSummary("HT-2026-004431", cat("an_ninh_trat_tu"), "Nhóm thanh niên đua xe trái phép sau 23 giờ.", camXuyen, CaseStatus.REJECTED,
            createdAt = ago(80.0), distanceMeters = 5300.0),
    )

    fun home(tab: HomeTab, online: Boolean = true) = HomeState(
        tenantName = tenant, tab = tab, myReports = myReports, publicFeed = publicFeed, categories = categories,
        feedFilter = FeedFilter(query = if (tab == HomeTab.PUBLIC_FEED) "duong" else ""),
        pendingOutboxCount = 2, online = online, signedIn = true,
        feedArea = FeedArea.NEARBY, nearbyRadiusMeters = 2_000, provinceName = "Hà Tĩnh",
    )

    fun drafts(undo: Boolean) = DraftsState(
        drafts = listOf(
            DraftSummary("d1", cat("giao_thong"), "Ổ gà giữa đường Nguyễn Du", photo("samsung_galaxy_s7_edge_SM-G935L.jpg"), 2, ago(0.5)),
            DraftSummary("d2", null, "Cây đổ chắn lối đi vào chợ", null, 0, ago(26.0)),
        ),
        pendingDelete = if (undo) DraftSummary("d3", cat("moi_truong"), "Rác", null, 0, ago(3.0)) else null,
        loading = false,
    )

    fun homeSignedOut() = HomeState(tenantName = tenant, tab = HomeTab.MY_REPORTS, signedIn = false, categories = categories)

    private val deviceFix = LocationCandidate("device", LocationSourceKind.DEVICE_GPS, 18.34352, 105.90478, accuracyMeters = 12.0, time = ago(0.01), ward = thanhSen)

    fun newReport() = NewReportState(
        draftId = "0193a1c2-7d4e-7f00-9a11-3b5c6d7e8faa",
        categories = categories,
        selectedCategory = "giao_thong",
        description = "Ổ gà",
        attachments = listOfNotNull(
            photo("samsung_galaxy_s7_edge_SM-G935L.jpg")?.let { AttachmentItem("a1", MediaKind.PHOTO, it.path, "IMG_0412.jpg", 4_167_727, capturedAt = ago(0.1)) },
            photo("synthetic_gps/outside_vinh_nghe_an_orient1.jpg")?.let { AttachmentItem("a2", MediaKind.PHOTO, it.path, "IMG_0399.jpg", 139_621, capturedAt = ago(24.0 * 5), hasExifLocation = true) },
            AttachmentItem("a3", MediaKind.VIDEO, "/nonexistent/VID_0413.mp4", "VID_0413.mp4", 18_400_000, durationSeconds = 24, processing = true),
        ),
        location = LocationState(
            status = LocationStatus.FIXED,
            chosen = deviceFix,
            alternatives = listOf(LocationCandidate("exif-a2", LocationSourceKind.PHOTO_EXIF, 18.6796, 105.6813, time = ago(24.0 * 5), ward = null)),
            provinceName = "Tỉnh Hà Tĩnh",
            warnings = listOf(LocationWarning.PhotoFar(41_800.0), LocationWarning.PhotoOld(5)),
        ),
        fieldErrors = listOf(FieldMessage(Fields.DESCRIPTION, ValidationProblem.TooShort(10))),
        savedAt = ago(0.02),
    )

    fun newReportEmpty() = NewReportState(
        categories = categories,
        location = LocationState(status = LocationStatus.ACQUIRING),
        fieldErrors = listOf(FieldMessage(Fields.CATEGORY, ValidationProblem.Required)),
    )

    fun picker() = LocationPickerState(18.34371, 105.90452, metersPerDp = 0.8, ward = thanhSen, deviceFix = deviceFix)

    fun outbox() = OutboxState(
        items = listOf(
            OutboxItemState("0193a1c2-7d4e-7f00-9a11-3b5c6d7e8f90", OutboxKind.REPORT, cat("moi_truong"), "Rác thải tập kết trái phép cạnh kênh, bốc mùi.",
                DeliveryState.Uploading, OutboxStep.UPLOADING_MEDIA, bytesSent = 1_250_000, bytesTotal = 3_400_000, attempts = 1, createdAt = ago(0.3),
                canCancel = true, thumbnail = photo("orientation/landscape_1.jpg")),
            OutboxItemState("0193a1c2-7d4e-7f00-9a11-3b5c6d7e8f91", OutboxKind.REPORT, cat("giao_thong"), "Video ngập nước tại hầm chui.",
                DeliveryState.Queued, OutboxStep.WAITING_WIFI, bytesTotal = 18_400_000, createdAt = ago(1.0), canCancel = true),
            OutboxItemState("0193a1c2-7d4e-7f00-9a11-3b5c6d7e8f92", OutboxKind.RATING, cat("dien_chieu_sang"), "",
                DeliveryState.Failed(DeliveryFailure.INTERRUPTED, retryable = true), OutboxStep.WAITING_RETRY, attempts = 3,
                nextAttemptAt = ahead(0.1), createdAt = ago(0.8), canRetry = true, canCancel = true),
            OutboxItemState("0193a1c2-0000-7f00-9a11-000000000001", OutboxKind.REPORT, cat("trat_tu_do_thi"), "Lấn chiếm lòng đường họp chợ.",
                DeliveryState.Failed(DeliveryFailure.REJECTED, retryable = false), OutboxStep.STOPPED, attempts = 1,
                createdAt = ago(2.0), canRetry = true, canCancel = true),
        ),
        online = true, metered = true, wifiOnlyVideo = true, syncing = true,
    )

    fun detail() = ReportDetailState(
        id = "HT-2026-004390", category = cat("dien_chieu_sang"),
        description = "Đèn đường hỏng cả đoạn Nguyễn Du từ ngã tư đến cầu, tối không thấy đường, nhiều người đi bộ phải dùng đèn pin.",
        status = CaseStatus.RESOLVED, createdAt = ago(24.0 * 6), ward = thanhSen, lat = 18.3435, lon = 105.9048,
        photos = listOfNotNull(photo("hmd_nokia_8.3_5g.jpg"), photo("google_lg_nexus4.jpg")),
        unitName = "UBND phường Thành Sen", deadline = ago(24.0 * 1), overdue = false,
        timeline = listOf(
            TimelineEntry("t1", ago(24.0 * 6), CaseStatus.RECEIVED, message = "Trung tâm IOC đã tiếp nhận phản ánh."),
            TimelineEntry("t2", ago(24.0 * 5.8), CaseStatus.FORWARDED, unitName = "UBND phường Thành Sen"),
            TimelineEntry("t3", ago(24.0 * 4), CaseStatus.IN_PROGRESS, unitName = "Công ty Điện chiếu sáng đô thị"),
            TimelineEntry("t4", ago(24.0 * 2), CaseStatus.RESOLVED, unitName = "UBND phường Thành Sen", message = "Đã thay 14 bóng đèn LED."),
        ),
        answer = UnitAnswer("UBND phường Thành Sen", "Đã phối hợp thay thế 14 bóng đèn và sửa tủ điện. Cảm ơn ông/bà đã phản ánh.", ago(24.0 * 2),
            photos = listOfNotNull(photo("nikon_coolpix_p6000_gps_DSCN0010.jpg"))),
        canRate = true,
    )

    fun detailRejected() = ReportDetailState(
        id = "HT-2026-004431", category = cat("an_ninh_trat_tu"), description = "Nhóm thanh niên đua xe trái phép sau 23 giờ.",
        status = CaseStatus.DUPLICATE, createdAt = ago(80.0), ward = camXuyen, duplicateOf = "HT-2026-004402",
        timeline = listOf(
            TimelineEntry("t1", ago(80.0), CaseStatus.RECEIVED),
            TimelineEntry("t2", ago(70.0), CaseStatus.DUPLICATE, message = "Trùng nội dung với phản ánh HT-2026-004402 đang được xử lý."),
        ),
        isMine = false, anonymous = true,
    )

    /** Resolved with an "after" photo taken 40 m from the report: verified, answer buttons offered. */
    fun detailVerified() = detail().copy(
        closure = ClosureState(verified = true, distanceM = 40, radiusM = 100, reason = null,
            before = photo("hmd_nokia_8.3_5g.jpg"), after = photo("nikon_coolpix_p6000_gps_DSCN0010.jpg"),
            answerUntil = ahead(24.0 * 5), myAnswer = null, canAnswer = true),
    )

    /** Resolved with a photo taken 2 km away; the resident is writing why it is not fixed. */
    fun detailNotVerified() = detail().copy(
        closure = ClosureState(verified = false, distanceM = 2000, radiusM = 100, reason = NotVerifiedReason.TOO_FAR,
            before = photo("hmd_nokia_8.3_5g.jpg"), after = photo("nikon_coolpix_p6000_gps_DSCN0010.jpg"),
            answerUntil = ahead(24.0 * 5), myAnswer = null, canAnswer = true, disputing = true, disputeText = "Đèn vẫn tắt từ 19 giờ."),
    )

    /** A draft at a place where the same problem was already reported (offline: from the phone's feed). */
    fun newReportMeToo() = newReport().copy(
        meToo = MeTooState(
            items = listOf(
                NearbyReportItem("HT-2026-004402", cat("giao_thong"), "Ổ gà sâu giữa đường Hà Huy Tập, xe máy dễ ngã.", CaseStatus.IN_PROGRESS, 35, 4,
                    photo("hmd_nokia_8.3_5g.jpg")),
                NearbyReportItem("HT-2026-004417", cat("giao_thong"), "Mặt đường lún trước cổng trường.", CaseStatus.RECEIVED, 120, 0),
            ),
            fromCache = true, fetchedAt = ago(3.0),
        ),
    )

    /** The map offline: markers from the phone's copy of the feed, a ward outline, no tiles; the credit shown. */
    fun map(): vn.phananh.ui.state.MapState {
        val centre = vn.phananh.ui.state.GeoPoint(18.3428, 105.9057)
        val ring = listOf(18.350 to 105.895, 18.352 to 105.915, 18.338 to 105.920, 18.334 to 105.899, 18.350 to 105.895)
            .map { (lat, lon) -> vn.phananh.ui.state.GeoPoint(lat, lon) }
        return vn.phananh.ui.state.MapState(
            viewport = vn.phananh.ui.state.MapViewport(centre, 14, 1080, 1080),
            minZoom = 8, maxZoom = 19,
            markers = publicFeed.take(2).mapIndexed { i, r ->
                vn.phananh.ui.state.MapMarker(r, vn.phananh.ui.state.GeoPoint(18.3428 + i * 0.004, 105.9057 + i * 0.005))
            },
            outlines = listOf(vn.phananh.ui.state.WardShape("18073", "Phường Thành Sen", listOf(ring))),
            attribution = "© OpenStreetMap contributors",
            fromCache = true, fetchedAt = ago(2.0),
        )
    }

    /** Notices where the resident is, offline (the phone's copy). */
    fun notices() = NoticesState(
        items = listOf(
            NoticeItem("n1", "Cảnh báo ngập sâu đường Trần Phú", "Mưa lớn, nước ngập 40-60 cm. Hạn chế đi qua từ 18 giờ.", NoticeLevel.SEVERE, false, ago(2.0), ahead(20.0), ago(2.0)),
            NoticeItem("n2", "Phân luồng giao thông cầu Cày", "Thi công mặt cầu, xe trên 10 tấn đi đường tránh.", NoticeLevel.WARNING, false, ago(30.0), null, ago(30.0)),
            NoticeItem("n3", "Lịch cắt nước toàn tỉnh", "Thứ Bảy, 7-11 giờ, bảo dưỡng nhà máy nước.", NoticeLevel.INFO, true, ago(5.0), ahead(50.0), ago(5.0)),
        ),
        wardCode = "18073", fromCache = true, fetchedAt = ago(1.5), loading = false,
    )

    val ratingLevels = listOf(
        RatingLevelOption(3, LocalizedText("Hài lòng", "Satisfied"), mayReopen = false),
        RatingLevelOption(2, LocalizedText("Chấp nhận được", "Acceptable"), mayReopen = false),
        RatingLevelOption(1, LocalizedText("Không hài lòng", "Not satisfied"), mayReopen = true),
    )

    fun rating() = RatingState("HT-2026-004390", cat("dien_chieu_sang"), ratingLevels, selectedLevel = 1,
        comment = "Mới sửa được 3 ngày đèn lại tắt.", reopen = true)

    fun loginPhone() = LoginState(LoginStep.PHONE, phone = "0912345678")
    fun loginOtp() = LoginState(LoginStep.OTP, phone = "0912 345 678", otp = "4821", resendInSeconds = 42,
        fieldErrors = listOf(FieldMessage(Fields.OTP, ValidationProblem.Invalid("wrong code"))))

    fun settings(language: AppLanguage) = SettingsState(language, wifiOnlyVideo = true, notificationsEnabled = true,
        signedInPhone = "091•••••78", tenantName = tenant, appVersion = "0.1.0", coreVersion = "0.1.0")

    /** After "download my data" (one photo the server could not serve) and a deletion tried offline. */
    fun settingsAccountData(language: AppLanguage) = settings(language).copy(
        exported = ExportResult("/data/user/0/vn.phananh.app/files/exports/phananh-export-20261207-1203", reports = 3, mediaFiles = 5, mediaMissing = 1),
        deleteError = UiError.Offline,
    )
}
