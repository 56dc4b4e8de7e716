package vn.phananh.data

import java.io.File
import java.time.Instant
import java.util.UUID
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableStateFlow
import vn.phananh.core.FailureCode
import vn.phananh.core.FeedItem
import vn.phananh.core.OutboxFailure
import vn.phananh.core.FeedPage
import vn.phananh.core.FeedQuery
import vn.phananh.core.LocationAssessment
import vn.phananh.core.LocationFix
import vn.phananh.core.OtpRequested
import vn.phananh.core.OutboxEntry
import vn.phananh.core.OutboxSnapshot
import vn.phananh.core.Rating
import vn.phananh.core.Report
import vn.phananh.core.ReportsSnapshot
import vn.phananh.core.Role
import vn.phananh.core.RunSummary
import vn.phananh.core.UserInfo
import vn.phananh.core.Attachment
import vn.phananh.core.Category
import vn.phananh.core.NearbyReports
import vn.phananh.core.NoticesAt
import vn.phananh.core.ClosureVerdict
import vn.phananh.core.DataExportSummary
import vn.phananh.core.Draft
import vn.phananh.core.DraftEdit
import vn.phananh.core.FieldError
import vn.phananh.core.LocalState
import vn.phananh.core.LocationPolicy
import vn.phananh.core.MediaKind
import vn.phananh.core.MediaLimits
import vn.phananh.core.OutboxItem
import vn.phananh.core.OutboxKind
import vn.phananh.core.PhanAnhException
import vn.phananh.core.RatingLevel
import vn.phananh.core.TenantConfig
import vn.phananh.core.TenantRefresh
import vn.phananh.core.UploadState
import vn.phananh.core.ValidationReason

/**
 * In-memory [CoreRepository] for screen previews and presenter tests that must run without the
 * native library. It only stores what it is given; it is not a second implementation of the
 * core's rules: its [validator] is whatever the test wants the "core" to answer.
 */
class FakeCoreRepository(
    @Volatile private var tenant: TenantConfig = sampleConfig(),
    var validator: (Draft) -> List<FieldError> = ::requiredFieldsOnly,
) : CoreRepository {
    private val lock = Any()
    private val drafts = LinkedHashMap<String, Draft>()
    private val queue = ArrayList<OutboxItem>()
    private val outboxFlow = MutableStateFlow(snapshot(emptyList(), true))
    private var signedIn = false

    /** "My reports" as the fake server knows them; set by previews/tests. */
    val reports = MutableStateFlow(ReportsSnapshot(emptyList(), emptyList(), null))
    /** What [feed] answers. */
    var feedItems: List<FeedItem> = emptyList()
    /** Fake network: when false, network calls throw `Offline`. */
    @Volatile var online = true

    override fun config() = tenant

    /** What the fake server serves at the next [refreshTenantIfDue] (null: unchanged). */
    @Volatile var servedConfig: TenantConfig? = null

    /** Asks the fake server whenever called (the once-a-day rule is the core's, not the fake's). */
    override suspend fun refreshTenantIfDue(): TenantRefresh {
        if (!online) return TenantRefresh(checked = false, configChanged = false, boundariesChanged = false)
        val next = servedConfig?.takeIf { it != tenant }
        if (next != null) tenant = next
        return TenantRefresh(checked = true, configChanged = next != null, boundariesChanged = false)
    }

    override suspend fun createDraft(): Draft = synchronized(lock) {
        val now = Instant.now()
        Draft(UUID.randomUUID().toString(), now, now, null, "", null, null, false, emptyMap(), emptyList(), LocalState.Draft)
            .also { drafts[it.id] = it }
    }

    override suspend fun draft(id: String): Draft = synchronized(lock) { drafts[id] ?: throw PhanAnhException.NotFound("draft") }

    override suspend fun drafts(): List<Draft> = synchronized(lock) {
        drafts.values.filter { it.state == LocalState.Draft }.sortedByDescending { it.updatedAt }
    }

    override suspend fun updateDraft(id: String, edits: List<DraftEdit>): Draft = synchronized(lock) {
        var d = drafts[id] ?: throw PhanAnhException.NotFound("draft")
        for (e in edits) {
            d = when (e) {
                is DraftEdit.Category -> d.copy(category = e.code)
                is DraftEdit.Description -> d.copy(description = e.text)
                is DraftEdit.Location -> d.copy(location = e.fix)
                is DraftEdit.Ward -> d.copy(ward = e.ward)
                is DraftEdit.Anonymous -> d.copy(anonymous = e.anonymous)
                is DraftEdit.Attributes -> d.copy(attributes = e.values)
            }
        }
        d.copy(updatedAt = Instant.now()).also { drafts[id] = it }
    }

    override suspend fun deleteDraft(id: String) {
        synchronized(lock) { drafts.remove(id) ?: throw PhanAnhException.NotFound("draft") }
    }

    override suspend fun addAttachment(draftId: String, path: String): Attachment = synchronized(lock) {
        val d = drafts[draftId] ?: throw PhanAnhException.NotFound("draft")
        val file = File(path)
        if (!file.isFile) throw PhanAnhException.Storage(vn.phananh.core.StorageProblem.IO)
        val kind = if (path.endsWith(".mp4") || path.endsWith(".mov")) MediaKind.VIDEO else MediaKind.PHOTO
        val a = Attachment(
            UUID.randomUUID().toString(), draftId, kind, d.attachments.size.toUInt(), file.name, file.absolutePath,
            null, null, file.length().toULong(), "", null, null, UploadState.Pending, false,
        )
        drafts[draftId] = d.copy(attachments = d.attachments + a, updatedAt = Instant.now())
        a
    }

    override suspend fun removeAttachment(attachmentId: String) = synchronized(lock) {
        val d = drafts.values.firstOrNull { it.attachments.any { a -> a.id == attachmentId } }
            ?: throw PhanAnhException.NotFound("attachment")
        drafts[d.id] = d.copy(attachments = d.attachments.filter { it.id != attachmentId })
    }

    override suspend fun validateDraft(id: String): List<FieldError> = validator(draft(id))

    override suspend fun submitDraft(id: String): OutboxItem {
        val errors = validateDraft(id)
        if (errors.isNotEmpty()) throw PhanAnhException.Validation(errors)
        return synchronized(lock) {
            val d = drafts.getValue(id)
            drafts[id] = d.copy(state = LocalState.Queued)
            val now = Instant.now()
            OutboxItem(UUID.randomUUID().toString(), OutboxKind.Report(id), LocalState.Queued, 0u, null, now, now, null)
                .also { queue += it; publish() }
        }
    }

    override suspend fun outbox(): List<OutboxItem> = synchronized(lock) { queue.toList() }

    override suspend fun setDraftLocation(draftId: String, deviceFixes: List<LocationFix>): LocationAssessment {
        val fix = deviceFixes.minByOrNull { it.accuracyM ?: Double.MAX_VALUE }
        if (fix != null) updateDraft(draftId, listOf(DraftEdit.Location(fix)))
        return LocationAssessment(fix, null, emptyList(), false)
    }

    override fun outboxUpdates(): Flow<OutboxSnapshot> = outboxFlow

    override suspend fun retryOutboxItem(clientId: String): OutboxItem = synchronized(lock) {
        val i = queue.indexOfFirst { it.clientId == clientId }.takeIf { it >= 0 } ?: throw PhanAnhException.NotFound("outbox item")
        queue[i] = queue[i].copy(state = LocalState.Queued)
        publish()
        queue[i]
    }

    override suspend fun cancelOutboxItem(clientId: String): OutboxItem = synchronized(lock) {
        val i = queue.indexOfFirst { it.clientId == clientId }.takeIf { it >= 0 } ?: throw PhanAnhException.NotFound("outbox item")
        val item = queue[i]
        if (item.state == LocalState.Submitted) throw PhanAnhException.InvalidState("submitted")
        queue.removeAt(i)
        (item.kind as? OutboxKind.Report)?.let { k -> drafts[k.draftId]?.let { drafts[k.draftId] = it.copy(state = LocalState.Draft) } }
        publish()
        item
    }

    /**
     * The fake server refuses item [clientId] for good with [code] (the state the core records
     * for a permanent failure; [detail] is the core's English text for support).
     */
    fun refuse(clientId: String, code: FailureCode, detail: String = "refused by the fake server") = synchronized(lock) {
        val i = queue.indexOfFirst { it.clientId == clientId }.takeIf { it >= 0 } ?: throw PhanAnhException.NotFound("outbox item")
        queue[i] = queue[i].copy(state = LocalState.Failed(OutboxFailure(code, null, emptyList(), detail)))
        publish()
    }

    /** Fake delivery: every queued item is "submitted" at once when online and signed in. */
    override suspend fun runPending(deadline: Instant): RunSummary = synchronized(lock) {
        if (!online || !signedIn) return RunSummary(0u, 0u, queue.count { it.state != LocalState.Submitted }.toUInt(), 0u, false)
        var delivered = 0u
        queue.replaceAll { if (it.state == LocalState.Queued) { delivered++; it.copy(state = LocalState.Submitted, serverId = "HT-${it.clientId.take(6)}") } else it }
        publish()
        RunSummary(delivered, 0u, 0u, delivered, false)
    }

    /** The last value the app set (settings screen). */
    @Volatile var videoWifiOnly: Boolean = true
        private set

    override suspend fun setVideoWifiOnly(enabled: Boolean) {
        videoWifiOnly = enabled
    }

    override fun setConnectivity(online: Boolean, metered: Boolean) {
        this.online = online
        synchronized(lock) { publish() }
    }

    override suspend fun requestOtp(phone: String): OtpRequested {
        if (!online) throw PhanAnhException.Offline()
        return OtpRequested(phone, 300u, 5u)
    }

    /** The fake accepts the code "123456". */
    override suspend fun signIn(phone: String, code: String): UserInfo {
        if (!online) throw PhanAnhException.Offline()
        if (code != "123456") throw PhanAnhException.Validation(listOf(FieldError("otp", ValidationReason.Invalid("wrong code"))))
        signedIn = true
        synchronized(lock) { publish() }
        return UserInfo("u1", phone, null, Role.RESIDENT, null)
    }

    override suspend fun signOut() { signedIn = false; synchronized(lock) { publish() } }
    override suspend fun isSignedIn() = signedIn

    /** Drafts being edited plus queued items not yet submitted (0 when signed out). */
    override suspend fun unsentCount(): Int = synchronized(lock) {
        if (!signedIn) 0
        else drafts.values.count { it.state == LocalState.Draft } + queue.count { it.state != LocalState.Submitted }
    }

    /** Media the fake server "could not serve" in the next export. */
    @Volatile var exportMediaMissing: Int = 0

    /** Writes a folder under [dir] with a data.json naming what the fake holds. */
    override suspend fun exportMyData(dir: String): DataExportSummary {
        if (!online) throw PhanAnhException.Offline()
        if (!signedIn) throw PhanAnhException.Unauthorized()
        val (reportCount, draftCount) = synchronized(lock) { reports.value.reports.size to drafts.size }
        val folder = File(dir, "phananh-export-${UUID.randomUUID().toString().take(8)}")
        if (!folder.mkdirs()) throw PhanAnhException.Storage(vn.phananh.core.StorageProblem.IO)
        File(folder, "data.json").writeText("{\"format\":\"fake\",\"reports\":$reportCount,\"drafts\":$draftCount}")
        return DataExportSummary(folder.path, reportCount.toUInt(), 0u, exportMediaMissing.toUInt())
    }

    /** How many times an account was deleted (the fake server's record). */
    @Volatile var deletedAccounts: Int = 0
        private set

    /** Offline: throws and keeps everything. Otherwise forgets the drafts, queue, reports and session. */
    override suspend fun deleteAccount() {
        if (!online) throw PhanAnhException.Offline()
        if (!signedIn) throw PhanAnhException.Unauthorized()
        synchronized(lock) {
            deletedAccounts++
            drafts.clear()
            queue.clear()
            reports.value = ReportsSnapshot(emptyList(), emptyList(), null)
            signedIn = false
            publish()
        }
    }

    override fun myReportsUpdates(): Flow<ReportsSnapshot> = reports
    override suspend fun myReports(): List<Report> = reports.value.reports
    override suspend fun syncMyReports(): List<String> {
        if (!online) throw PhanAnhException.Offline()
        return emptyList()
    }
    override suspend fun cachedReport(id: String): Report? = reports.value.reports.firstOrNull { it.id == id }
    override suspend fun refreshReport(id: String): Report {
        if (!online) throw PhanAnhException.Offline()
        return cachedReport(id) ?: throw PhanAnhException.NotFound("report")
    }

    override suspend fun rateReport(reportId: String, level: Int, comment: String?, reopen: Boolean): OutboxItem = synchronized(lock) {
        if (tenant.ratingScale.none { it.value.toInt() == level }) {
            throw PhanAnhException.Validation(listOf(FieldError("rating.level", ValidationReason.OutOfRange)))
        }
        val now = Instant.now()
        OutboxItem(UUID.randomUUID().toString(), OutboxKind.Rating(reportId, Rating(level.toUByte(), comment, reopen, now)), LocalState.Queued, 0u, null, now, now, null)
            .also { queue += it; publish() }
    }

    /** The push token handed over last (the fake "server" has it once signed in). */
    @Volatile var pushToken: String? = null

    override suspend fun setPushToken(platform: vn.phananh.core.PushPlatform, token: String): Boolean {
        pushToken = token
        return signedIn && online
    }

    override suspend fun registerPendingPushToken(): Boolean = pushToken != null && signedIn && online

    /** A push names one of [reports] by `report_id` (the fake does not fetch; it answers what it has). */
    override suspend fun handlePush(data: Map<String, String>): vn.phananh.core.PushEffect {
        val id = data["report_id"] ?: throw PhanAnhException.Server(0u) // unreadable push data (core: Protocol)
        val report = reports.value.reports.firstOrNull { it.id == id } ?: throw PhanAnhException.NotFound("report $id")
        return vn.phananh.core.PushEffect.Report(report)
    }

    /** Server files the fake "has downloaded": id → local path. Anything else reads as offline. */
    val mediaFiles = HashMap<String, String>()

    /** The fake keeps what [mediaFiles] holds. */
    override suspend fun keepMyReportMedia(): Int = mediaFiles.size

    override suspend fun mediaFile(remote: vn.phananh.ui.state.RemoteMedia): vn.phananh.ui.state.MediaResolution =
        mediaFiles[remote.id]?.let { vn.phananh.ui.state.MediaResolution.File(it) }
            ?: vn.phananh.ui.state.MediaResolution.Unavailable(vn.phananh.ui.state.MediaUnavailable.OFFLINE)

    /** What the "core" answers to "Đã sửa" / "Chưa sửa" instead of queueing (set by tests). */
    @Volatile var answerRefusal: PhanAnhException? = null

    override suspend fun confirmResolution(reportId: String): OutboxItem = queueAnswer(reportId, ClosureVerdict.CONFIRMED, null)
    override suspend fun disputeResolution(reportId: String, text: String): OutboxItem = queueAnswer(reportId, ClosureVerdict.DISPUTED, text)

    private fun queueAnswer(reportId: String, verdict: ClosureVerdict, text: String?): OutboxItem = synchronized(lock) {
        answerRefusal?.let { throw it }
        val now = Instant.now()
        OutboxItem(UUID.randomUUID().toString(), OutboxKind.Closure(reportId, verdict, text), LocalState.Queued, 0u, null, now, now, null)
            .also { queue += it; publish() }
    }

    /** What [nearbyForDraft] answers (set by tests and previews). */
    @Volatile var nearby: NearbyReports = NearbyReports(emptyList(), false, Instant.EPOCH)
    /** What [noticesAt] answers. */
    @Volatile var notices: NoticesAt = NoticesAt(emptyList(), null, false, Instant.EPOCH)

    override suspend fun nearbyForDraft(draftId: String): NearbyReports {
        val d = draft(draftId)
        val missing = listOfNotNull(
            FieldError("location", ValidationReason.Required).takeIf { d.location == null },
            FieldError("category", ValidationReason.Required).takeIf { d.category == null },
        )
        if (missing.isNotEmpty()) throw PhanAnhException.Validation(missing)
        return nearby
    }

    override suspend fun joinReport(reportId: String): OutboxItem = synchronized(lock) {
        val now = Instant.now()
        OutboxItem(UUID.randomUUID().toString(), OutboxKind.Join(reportId), LocalState.Queued, 0u, null, now, now, null)
            .also { queue += it; publish() }
    }

    override suspend fun noticesAt(lat: Double?, lon: Double?): NoticesAt {
        if (!online) return notices.copy(fromCache = true)
        return notices
    }

    override suspend fun feed(query: FeedQuery): FeedPage =
        FeedPage(feedItems.filter { query.category == null || it.category == query.category }, null, !online, Instant.now())

    override suspend fun mapReports(view: vn.phananh.core.BoundingBox, category: String?): FeedPage =
        FeedPage(
            feedItems.filter { (category == null || it.category == category) && it.lat in view.minLat..view.maxLat && it.lon in view.minLon..view.maxLon },
            null, !online, Instant.now(),
        )

    /** What [wardOutlines] answers (null: no boundaries). */
    @Volatile var outlines: vn.phananh.core.WardOutlines? = null

    override suspend fun wardOutlines(view: vn.phananh.core.BoundingBox, maxPoints: Int) = outlines

    private fun publish() {
        outboxFlow.value = snapshot(queue.map { OutboxEntry(it, 0u, 0u, false, null, false) }, online)
    }

    private fun snapshot(entries: List<OutboxEntry>, online: Boolean) =
        OutboxSnapshot(entries, 0u, 0u, online, false, signedIn, false, null)

    companion object {
        /** What a "core" answers for an empty draft: the three required fields. */
        fun requiredFieldsOnly(d: Draft): List<FieldError> = buildList {
            if (d.category == null) add(FieldError("category", ValidationReason.Required))
            if (d.description.isBlank()) add(FieldError("description", ValidationReason.Required))
            if (d.location == null) add(FieldError("location", ValidationReason.Required))
        }

        /** A small two-category tenant for previews. */
        fun sampleConfig() = TenantConfig(
            tenantId = "sample",
            nameVi = "Tỉnh Mẫu",
            nameEn = "Sample Province",
            apiBaseUrl = "https://example.invalid/api/",
            categories = listOf(
                Category("giao_thong", "Giao thông", "Traffic and roads", 72u),
                Category("moi_truong", "Môi trường", "Environment", 72u),
            ),
            ratingScale = listOf(
                RatingLevel(3u, "Hài lòng", "Satisfied", false),
                RatingLevel(2u, "Chấp nhận được", "Acceptable", false),
                RatingLevel(1u, "Không hài lòng", "Not satisfied", true),
            ),
            media = MediaLimits(0u, 6u, 1u, 40_000_000u, 100_000_000u, 60u, 1920u, 500_000u, 100_000_000u, 720u, 1500u, 96u),
            location = LocationPolicy(500.0, 3u, 300u, 30.0, 150.0, 20u),
            map = vn.phananh.core.MapConfig("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors", 8u, 19u),
            descriptionMinChars = 10u,
            descriptionMaxChars = 2000u,
            ratingCommentMaxChars = 1000u,
            provinceCode = "00",
            provinceName = "tỉnh Mẫu",
            boundariesUrl = null,
            boundariesSha256 = null,
            version = "",
        )
    }
}
