package vn.phananh

import java.net.ServerSocket
import java.time.Instant
import java.util.Collections
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import vn.phananh.core.BlockReason
import vn.phananh.core.DraftEdit
import vn.phananh.core.EventKind
import vn.phananh.core.FeedQuery
import vn.phananh.core.LocalState
import vn.phananh.core.OutboxKind
import vn.phananh.core.OutboxSnapshot
import vn.phananh.core.PhanAnhException
import vn.phananh.core.ReportStatus
import vn.phananh.data.RustCoreRepository
import vn.phananh.ui.state.CaseStatus
import vn.phananh.ui.state.DeliveryState
import vn.phananh.ui.state.Fields
import vn.phananh.ui.state.LoginStep
import vn.phananh.ui.state.OutboxStep
import vn.phananh.ui.state.UiError
import vn.phananh.ui.state.ValidationProblem
import vn.phananh.ui.state.forField
import vn.phananh.data.FakePreferencesRepository
import vn.phananh.presenter.HomePresenter
import vn.phananh.presenter.LoginPresenter
import vn.phananh.presenter.OutboxPresenter
import vn.phananh.presenter.RatingPresenter
import vn.phananh.presenter.ReportDetailPresenter
import vn.phananh.ui.state.LoginEvent
import vn.phananh.ui.state.RatingEvent

/**
 * Kotlin → generated bindings → real core → HTTP on loopback → real stub process. The stub's
 * simulated officer moves each case one step every 0.4 s: received → forwarded → in progress →
 * resolved.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StubEndToEndTest {
    private lateinit var stub: StubProcess
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @BeforeAll
    fun start() {
        stub = StubProcess(simulateSeconds = 0.4)
    }

    @AfterAll
    fun stop() {
        scope.cancel()
        stub.close()
    }

    private fun open() = RustCoreRepository.open(TestEnv.tempDir("e2e-").path, stub.baseUrl, TestEnv.boundaries.path)

    private suspend fun signIn(repo: RustCoreRepository, phone: String) {
        val login = LoginPresenter(repo, FakePreferencesRepository(), scope)
        login.onEvent(LoginEvent.ChangePhone(phone))
        val code = stub.otpFor {
            login.onEvent(LoginEvent.RequestCode)
            assertEquals(LoginStep.OTP, login.state.awaitState { !it.busy && (it.step == LoginStep.OTP || it.error != null) }.step)
        }
        login.onEvent(LoginEvent.ChangeCode(code))
        login.onEvent(LoginEvent.Verify)
        login.state.awaitState { it.signedIn }
        assertTrue(repo.isSignedIn())
    }

    /** A report with real photos (without GPS, or with a Hà Tĩnh position), located in Thành Sen. */
    private suspend fun submitPhotoReport(repo: RustCoreRepository, photos: List<String>, text: String): String {
        val draft = repo.createDraft()
        for (p in photos) repo.addAttachment(draft.id, TestEnv.photo(p).path)
        repo.updateDraft(draft.id, listOf(DraftEdit.Category("moi_truong"), DraftEdit.Description(text)))
        val where = repo.setDraftLocation(draft.id, listOf(haTinhFix()))
        // Named offline from the Hà Tĩnh boundaries (phường Thành Sen, code 18073).
        assertEquals("18073", where.lookup?.reportWard?.code, "ward of $where")
        assertTrue(where.lookup!!.insideProvince)
        assertEquals("18073", repo.draft(draft.id).ward?.code, "the ward is saved with the draft")
        return repo.submitDraft(draft.id).clientId
    }

    @Test
    fun `photo report is delivered once, progress and status arrive through Flows, then rated and reopened`() = runBlocking {
        open().use { repo ->
            signIn(repo, "0912000001")
            val outboxVm = OutboxPresenter(repo, repo, scope)
            val home = HomePresenter(repo, repo, repo, scope)
            val clientId = submitPhotoReport(repo, listOf("apple_iphone_4s_orient6.jpg", "synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg"), "Rác thải đổ trộm bên bờ sông Cày, bốc mùi")

            val seen = Collections.synchronizedList(mutableListOf<OutboxSnapshot>())
            val collecting = scope.launch { repo.outboxUpdates().collect { seen += it } }
            withTimeout(5_000) { while (seen.isEmpty()) delay(10) }
            assertEquals(LocalState.Queued, seen.first().entries.single().item.state, "the subscription replays the current state first")

            val run = repo.runPending(Instant.now().plusSeconds(60))
            assertEquals(1u, run.delivered)
            assertFalse(run.hitDeadline)

            withTimeout(5_000) { while (seen.last().entries.single().item.state != LocalState.Submitted) delay(10) }
            collecting.cancel()
            val states = seen.map { it.entries.single().item.state.javaClass.simpleName }.distinct()
            assertEquals(states.sortedBy { listOf("Queued", "Uploading", "Submitted").indexOf(it) }, states, "states only move forward: $states")
            println("outbox as observed: " + seen.map { e -> e.entries.single().let { "${it.item.state.javaClass.simpleName} ${it.bytesSent}/${it.bytesTotal}" } }.distinct())
            val sent = seen.map { it.entries.single().bytesSent }
            assertEquals(sent.sorted(), sent, "bytes sent never go back on a clean link")
            val done = seen.last().entries.single()
            assertTrue(done.bytesTotal > 0u && done.bytesSent == done.bytesTotal, "progress reaches the total: $done")
            val serverId = assertNotNull(done.item.serverId)

            // The outbox screen shows it delivered.
            val row = outboxVm.state.awaitState { s -> s.items.any { it.clientId == clientId && it.delivery == DeliveryState.Submitted } }
                .items.single { it.clientId == clientId }
            assertEquals(OutboxStep.DONE, row.step)
            assertEquals("Môi trường", row.title.vi)

            // Status changes come through the reports Flow while the officer works the case.
            val statuses = Collections.synchronizedList(mutableListOf<ReportStatus>())
            val watching = scope.launch {
                repo.myReportsUpdates().collect { snap -> snap.reports.firstOrNull { it.id == serverId }?.let { statuses += it.status } }
            }
            withTimeout(30_000) {
                while (statuses.lastOrNull() != ReportStatus.RESOLVED) {
                    repo.syncMyReports()
                    delay(200)
                }
            }
            watching.cancel()
            val order = listOf(ReportStatus.RECEIVED, ReportStatus.FORWARDED, ReportStatus.IN_PROGRESS, ReportStatus.RESOLVED)
            val distinct = statuses.distinct()
            assertEquals(distinct.sortedBy { order.indexOf(it) }, distinct, "statuses in order: $statuses")
            assertTrue(distinct.size >= 2, "saw the case change: $distinct")
            assertEquals(1, repo.myReports().count { it.clientId == clientId }, "delivered exactly once")
            assertEquals(CaseStatus.RESOLVED, home.state.awaitState { s -> s.myReports.any { it.id == serverId && it.status == CaseStatus.RESOLVED } }
                .myReports.single { it.id == serverId }.status)

            // Detail: timeline and the unit's answer; rating is offered.
            val detail = ReportDetailPresenter(repo, scope, serverId)
            val d = detail.state.awaitState { !it.loading && it.status == CaseStatus.RESOLVED }
            assertTrue(d.canRate)
            assertTrue(d.timeline.size >= 4, "timeline: ${d.timeline}")
            assertTrue(d.answer!!.text.isNotBlank())

            // Rating: an invalid level is refused in place; "not satisfied" may reopen.
            val rating = RatingPresenter(repo, scope, serverId, d.category)
            rating.onEvent(RatingEvent.Submit)
            val refused = rating.state.awaitState { !it.submitting && it.fieldErrors.isNotEmpty() }
            assertEquals(ValidationProblem.OutOfRange, refused.fieldErrors.forField(Fields.RATING_LEVEL).single().problem)
            val notSatisfied = refused.levels.single { it.mayReopen }.value
            rating.onEvent(RatingEvent.SelectLevel(notSatisfied))
            rating.onEvent(RatingEvent.ChangeComment("Rác vẫn còn, mới dọn một nửa"))
            rating.onEvent(RatingEvent.ChangeReopen(true))
            rating.onEvent(RatingEvent.Submit)
            assertTrue(rating.state.awaitState { it.submitted || it.error != null }.submitted)
            val queued = repo.outbox().single { it.kind is OutboxKind.Rating }
            assertEquals(serverId, (queued.kind as OutboxKind.Rating).reportId)

            assertEquals(1u, repo.runPending(Instant.now().plusSeconds(30)).delivered)
            val rated = withTimeout(10_000) {
                var r = repo.refreshReport(serverId)
                while (r.myRating == null) { delay(100); r = repo.refreshReport(serverId) }
                r
            }
            assertEquals(notSatisfied, rated.myRating!!.level.toInt())
            assertTrue(rated.myRating!!.reopen)
            assertTrue(rated.timeline.any { it.kind == EventKind.REOPENED }, "reopened: ${rated.timeline.map { it.kind }}")
        }
    }

    @Test
    fun `offline - the report waits in the outbox, then goes when the network returns`() = runBlocking {
        open().use { repo ->
            signIn(repo, "0912000002")
            val outboxVm = OutboxPresenter(repo, repo, scope)
            repo.setConnectivity(online = false, metered = false)
            val clientId = submitPhotoReport(repo, listOf("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg"), "Đèn đường hỏng cả đoạn, tối om")
            val run = repo.runPending(Instant.now().plusSeconds(10))
            assertEquals(0u, run.delivered)
            val waiting = outboxVm.state.awaitState { s -> !s.online && s.items.any { it.clientId == clientId } }
            assertEquals(OutboxStep.WAITING_NETWORK, waiting.items.single { it.clientId == clientId }.step)
            val blocked = withTimeout(5_000) { repo.outboxUpdates().first { s -> s.entries.any { it.blocked == BlockReason.OFFLINE } } }
            assertEquals(LocalState.Queued, blocked.entries.single().item.state)

            // The feed falls back to nothing cached yet: an Offline error, not a crash.
            assertThrows<PhanAnhException.Offline> { runBlocking { repo.feed(FeedQuery()) } }

            repo.setConnectivity(online = true, metered = true)
            assertEquals(1u, repo.runPending(Instant.now().plusSeconds(60)).delivered)
            assertEquals(DeliveryState.Submitted, outboxVm.state.awaitState { s -> s.items.any { it.delivery == DeliveryState.Submitted } }
                .items.single { it.clientId == clientId }.delivery)

            // Online the feed is fetched and cached; offline again it is served from the cache.
            val fresh = repo.feed(FeedQuery(category = "moi_truong"))
            assertFalse(fresh.fromCache)
            assertTrue(fresh.items.isNotEmpty())
            repo.setConnectivity(online = false, metered = false)
            val cached = repo.feed(FeedQuery(category = "moi_truong"))
            assertTrue(cached.fromCache)
            assertEquals(fresh.items.map { it.id }, cached.items.map { it.id })
        }
    }

    @Test
    fun `cancelling runPending stops the run and the next run delivers exactly once`() = runBlocking {
        open().use { repo ->
            signIn(repo, "0912000005")
            val clientId = submitPhotoReport(
                repo,
                listOf("apple_iphone_4s_orient6.jpg"),
                "Cống thoát nước bị tắc, nước tràn lên mặt đường",
            )
            // WorkManager stops the worker: the coroutine is cancelled mid-run.
            val run = scope.launch { repo.runPending(Instant.now().plusSeconds(120)) }
            delay(150)
            val t0 = System.nanoTime()
            run.cancelAndJoin()
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 5_000, "cancellation is prompt")
            val after = repo.client().outboxSnapshot().entries.single()
            assertTrue(after.item.state !is LocalState.Failed, "cancelled, not failed: ${after.item.state}")

            // The next window finishes the job; the server has the report once.
            val t1 = System.nanoTime()
            val next = repo.runPending(Instant.now().plusSeconds(120))
            println("cancel test: cancel took ${(t1 - t0) / 1_000_000} ms, next run ${(System.nanoTime() - t1) / 1_000_000} ms: $next, after cancel: ${after.item.state} ${after.bytesSent}/${after.bytesTotal} ${after.item.nextAttemptAt}")
            val state = repo.client().outboxSnapshot().entries.single().item
            assertEquals(LocalState.Submitted, state.state)
            assertTrue(next.delivered <= 1u)
            withTimeout(10_000) { while (repo.myReports().none { it.clientId == clientId }) { repo.syncMyReports(); delay(100) } }
            assertEquals(1, repo.myReports().count { it.clientId == clientId }, "exactly once")
        }
    }

    @Test
    fun `no server gives a typed Offline error, a wrong code leaves the user signed out`() = runBlocking {
        val closedPort = ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).use { it.localPort }
        RustCoreRepository.open(TestEnv.tempDir("e2e-off-").path, "http://127.0.0.1:$closedPort/").use { repo ->
            val login = LoginPresenter(repo, FakePreferencesRepository(), scope)
            login.onEvent(LoginEvent.ChangePhone("0912000003"))
            login.onEvent(LoginEvent.RequestCode)
            assertEquals(UiError.Offline, login.state.awaitState { !it.busy && it.error != null }.error)
        }
        open().use { repo ->
            // Tenant config from the server, then "not modified" (ETag) on the next ask.
            assertTrue(repo.client().refreshConfig())
            assertFalse(repo.client().refreshConfig())
            assertTrue(repo.config().categories.isNotEmpty())
            val login = LoginPresenter(repo, FakePreferencesRepository(), scope)
            login.onEvent(LoginEvent.ChangePhone("0912000004"))
            val right = stub.otpFor {
                login.onEvent(LoginEvent.RequestCode)
                login.state.awaitState { it.step == LoginStep.OTP }
            }
            login.onEvent(LoginEvent.ChangeCode(if (right == "000000") "111111" else "000000"))
            login.onEvent(LoginEvent.Verify)
            val s = login.state.awaitState { !it.busy && (it.error != null || it.fieldErrors.isNotEmpty()) }
            assertTrue(s.error != UiError.Internal, "a typed error: $s")
            assertFalse(repo.isSignedIn())
            // A photo taken outside the province is flagged by the core.
            val elsewhere = repo.createDraft()
            repo.addAttachment(elsewhere.id, TestEnv.photo("synthetic_gps/outside_vinh_nghe_an_orient1.jpg").path)
            val flagged = repo.setDraftLocation(elsewhere.id, emptyList())
            assertTrue(flagged.warnings.any { it is vn.phananh.core.LocationWarning.OutsideProvince }, "$flagged")
            assertEquals(false, flagged.lookup?.insideProvince)
            // Signed out, the report waits for sign-in instead of failing.
            val clientId = submitPhotoReport(repo, listOf("apple_iphone_4s_orient6.jpg"), "Cây đổ chắn ngang đường liên xã")
            assertEquals(0u, repo.runPending(Instant.now().plusSeconds(10)).delivered)
            val entry = withTimeout(5_000) { repo.outboxUpdates().first { s -> s.entries.any { it.blocked != null } } }.entries.single { it.item.clientId == clientId }
            assertEquals(BlockReason.SIGNED_OUT, entry.blocked)
        }
    }
}
