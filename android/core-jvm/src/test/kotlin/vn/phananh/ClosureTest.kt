package vn.phananh

import java.io.File
import java.time.Instant
import java.time.temporal.ChronoUnit
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import vn.phananh.core.DraftEdit
import vn.phananh.core.PhanAnhException
import vn.phananh.core.ReportStatus
import vn.phananh.data.RustCoreRepository
import vn.phananh.presenter.ReportDetailPresenter
import vn.phananh.ui.state.CaseStatus
import vn.phananh.ui.state.NotVerifiedReason
import vn.phananh.ui.state.ReportDetailEvent
import vn.phananh.ui.state.UiError

/**
 * Verified closure (issue 13 item 1) on the report detail screen: its presenter over the real
 * core (SQLite in a temp dir) and the real stub, whose IOC officer resolves the case over the
 * officer API, with an "after" photo (the real GPS camera photo, its EXIF rewritten by exiftool)
 * or without one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClosureTest {
    private lateinit var stub: StubProcess
    private lateinit var officer: StubOfficer
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @BeforeAll
    fun start() {
        stub = StubProcess()
        officer = StubOfficer(stub)
    }

    @AfterAll
    fun stop() {
        scope.cancel()
        stub.close()
    }

    private suspend fun signedIn(phone: String): RustCoreRepository {
        val repo = RustCoreRepository.open(TestEnv.tempDir("closure-").path, stub.baseUrl, TestEnv.boundaries.path)
        val code = stub.otpFor { repo.requestOtp(phone) }
        repo.signIn(phone, code)
        return repo
    }

    /** One report with a real photo at [haTinhFix], delivered; the server's copy as cached. */
    private suspend fun deliver(repo: RustCoreRepository, text: String) = run {
        val d = repo.createDraft()
        repo.addAttachment(d.id, TestEnv.photo("apple_iphone_4s_orient6.jpg").path)
        repo.updateDraft(d.id, listOf(DraftEdit.Category("giao_thong"), DraftEdit.Description(text), DraftEdit.Location(haTinhFix())))
        repo.submitDraft(d.id)
        assertEquals(1u, repo.runPending(Instant.now().plusSeconds(60)).delivered)
        repo.syncMyReports()
        repo.myReports().single()
    }

    @Test
    fun `an after photo taken 40 m away after the report shows verified on site, both photos, and the confirmation goes once`() = runBlocking {
        signedIn("0913400001").use { repo ->
            val report = deliver(repo, "Ổ gà lớn trước số 12 Trần Phú")
            val fix = haTinhFix()
            // 40 m north of the report, one second after it was made (EXIF time has whole seconds).
            val taken = report.createdAt.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1)
            val photo = StubOfficer.photoTakenAt(TestEnv.tempDir("after-"), fix.lat + 40.0 / StubOfficer.M_PER_DEG_LAT, fix.lon, taken)
            officer.resolve(report.id, "Đã vá xong ổ gà", listOf(officer.upload(photo)))

            val detail = ReportDetailPresenter(repo, scope, report.id)
            detail.onEvent(ReportDetailEvent.Refresh)
            val shown = detail.state.awaitState(20_000) { it.closure != null }
            val c = shown.closure!!
            assertEquals(CaseStatus.RESOLVED, shown.status)
            assertTrue(c.verified, "$c")
            assertNull(c.reason)
            assertEquals(40, c.distanceM, "the distance the test put between the report and the photo")
            assertEquals(100, c.radiusM, "the default radius")
            // Before: the report's own photo; after: the resolution's photo that was checked.
            assertEquals(report.media.first().url, c.before?.path)
            val resolvedMedia = repo.cachedReport(report.id)!!.timeline.flatMap { it.media }
            assertEquals(1, resolvedMedia.size)
            assertEquals(resolvedMedia.single().url, c.after?.path)
            assertTrue(c.canAnswer && c.myAnswer == null)
            assertTrue(c.answerUntil > System.currentTimeMillis())

            // "Đã sửa": queued, shown at once as waiting to be sent, the buttons gone.
            detail.onEvent(ReportDetailEvent.ConfirmFix)
            val queued = detail.state.awaitState { it.closure?.myAnswer != null }.closure!!
            assertTrue(queued.myAnswer!!.confirmed && queued.myAnswer!!.pending)
            assertFalse(queued.canAnswer)
            // A second answer is refused by the core while the first waits.
            val again = assertThrows<PhanAnhException.InvalidState> { runBlocking { repo.confirmResolution(report.id) } }
            assertTrue(again.detail.contains("already answered"), again.detail)

            assertEquals(1u, repo.runPending(Instant.now().plusSeconds(30)).delivered)
            detail.onEvent(ReportDetailEvent.Refresh)
            val answered = detail.state.awaitState { it.closure?.myAnswer?.pending == false }.closure!!
            assertTrue(answered.myAnswer!!.confirmed)
            assertFalse(answered.canAnswer)
        }
    }

    @Test
    fun `resolved without a photo shows not verified with the reason, and a dispute needs words and reopens the case`() = runBlocking {
        signedIn("0913400002").use { repo ->
            val report = deliver(repo, "Đèn đường hỏng đầu ngõ 5 Nguyễn Du")
            officer.resolve(report.id, "Đã thay bóng đèn")

            val detail = ReportDetailPresenter(repo, scope, report.id)
            detail.onEvent(ReportDetailEvent.Refresh)
            val c = detail.state.awaitState(20_000) { it.closure != null }.closure!!
            assertFalse(c.verified)
            assertEquals(NotVerifiedReason.NO_PHOTO, c.reason)
            assertNull(c.distanceM)
            assertNull(c.after)
            assertNotNull(c.before)
            assertTrue(c.canAnswer)

            // "Chưa sửa" without words: the core refuses, the screen says which field.
            detail.onEvent(ReportDetailEvent.StartDispute)
            detail.onEvent(ReportDetailEvent.SendDispute)
            val refused = detail.state.awaitState { it.closure?.error != null }.closure!!
            val err = assertIs<UiError.Validation>(refused.error)
            assertEquals(listOf("text"), err.errors.map { it.field })
            assertTrue(refused.disputing && refused.canAnswer && refused.myAnswer == null)

            detail.onEvent(ReportDetailEvent.ChangeDisputeText("Đèn vẫn tắt buổi tối"))
            detail.state.awaitState { it.closure?.disputeText == "Đèn vẫn tắt buổi tối" }
            detail.onEvent(ReportDetailEvent.SendDispute)
            val queued = detail.state.awaitState { it.closure?.myAnswer != null }.closure!!
            assertFalse(queued.myAnswer!!.confirmed)
            assertEquals("Đèn vẫn tắt buổi tối", queued.myAnswer!!.text)

            assertEquals(1u, repo.runPending(Instant.now().plusSeconds(30)).delivered)
            detail.onEvent(ReportDetailEvent.Refresh)
            val reopened = detail.state.awaitState { it.status == CaseStatus.REOPENED }
            val answer = reopened.closure?.myAnswer
            assertNotNull(answer)
            assertFalse(answer.confirmed || answer.pending)
            assertFalse(reopened.closure!!.canAnswer, "a reopened case is not answered again")
            assertEquals(ReportStatus.REOPENED, repo.cachedReport(report.id)!!.status)
        }
    }
}
