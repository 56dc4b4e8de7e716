package vn.phananh

import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.receiveAsFlow
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import vn.phananh.core.EventKind
import vn.phananh.core.MediaRef
import vn.phananh.core.PhanAnhException
import vn.phananh.core.RemoteMediaKind
import vn.phananh.core.Report
import vn.phananh.core.ReportStatus
import vn.phananh.core.ReportsSnapshot
import vn.phananh.core.TimelineEvent
import vn.phananh.core.UnitRef
import vn.phananh.core.Verification
import vn.phananh.core.VerificationReason
import vn.phananh.data.FakeCoreRepository
import vn.phananh.presenter.ReportDetailPresenter
import vn.phananh.ui.state.NotVerifiedReason
import vn.phananh.ui.state.ReportDetailEvent
import vn.phananh.ui.state.UiError

/**
 * The detail presenter's closure part over the fake repository, for what the real stub cannot
 * easily show: a photo too far (distance and radius carried), the answer window over, the
 * after photo picked by its id among several, and the core's refusal kept on the card.
 */
class ClosurePresenterTest {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @AfterEach
    fun stop() = scope.cancel()

    private fun media(id: String) = MediaRef(id, "https://x/media/$id", RemoteMediaKind.PHOTO, "image/jpeg", 1000u)

    private fun resolved(v: Verification): Report {
        val t0 = Instant.parse("2026-11-20T01:00:00Z")
        val unit = UnitRef("18073", "UBND phường Thành Sen")
        val timeline = listOf(
            TimelineEvent(1u, t0, EventKind.RECEIVED, ReportStatus.RECEIVED, null, null, emptyList()),
            TimelineEvent(2u, t0.plusSeconds(60), EventKind.RESOLVED, ReportStatus.RESOLVED, unit, "Đã sửa", listOf(media("m-other"), media("m-after"))),
        )
        return Report("HT-9", "c-9", "giao_thong", "Ổ gà", 18.3427, 105.9057, null, null, ReportStatus.RESOLVED, unit,
            t0, t0.plusSeconds(60), null, false, emptyMap(), listOf(media("m-before")), timeline, null, null, 2u, verification = v)
    }

    private fun verification(reason: VerificationReason?, distance: Double?, until: Instant) =
        Verification(reason == null, distance, reason, 100u, null, "m-after", Instant.now().minusSeconds(60), until, null)

    @Test
    fun `too far keeps distance and radius, before and after are the right photos, a refusal stays on the card`() = runBlocking {
        val repo = FakeCoreRepository()
        repo.reports.value = ReportsSnapshot(listOf(resolved(verification(VerificationReason.TOO_FAR, 2012.4, Instant.now().plusSeconds(86_400)))), emptyList(), null)
        val detail = ReportDetailPresenter(repo, scope, "HT-9")
        val c = detail.state.awaitState { it.closure != null }.closure!!
        assertFalse(c.verified)
        assertEquals(NotVerifiedReason.TOO_FAR, c.reason)
        assertEquals(2012, c.distanceM)
        assertEquals(100, c.radiusM)
        assertEquals("https://x/media/m-before", c.before?.path)
        assertEquals("https://x/media/m-after", c.after?.path, "the checked photo by its id, not the first of the event")
        assertTrue(c.canAnswer)

        repo.answerRefusal = PhanAnhException.InvalidState("already answered")
        detail.onEvent(ReportDetailEvent.ConfirmFix)
        val refused = detail.state.awaitState { it.closure?.error != null }.closure!!
        assertIs<UiError.InvalidState>(refused.error)
        assertFalse(refused.sending)
    }

    @Test
    fun `after the window no answer is offered`() = runBlocking {
        val repo = FakeCoreRepository()
        repo.reports.value = ReportsSnapshot(listOf(resolved(verification(VerificationReason.NO_PHOTO, null, Instant.now().minusSeconds(1)))), emptyList(), null)
        val c = ReportDetailPresenter(repo, scope, "HT-9").state.awaitState { it.closure != null }.closure!!
        assertEquals(NotVerifiedReason.NO_PHOTO, c.reason)
        assertFalse(c.canAnswer)
        assertEquals(null, c.myAnswer)
    }

    /** The fake, with the core's report stream as a rendezvous: a send returns once it is taken. */
    private class Stream(private val inner: FakeCoreRepository) : vn.phananh.data.ReportsRepository by inner {
        val updates = kotlinx.coroutines.channels.Channel<ReportsSnapshot>()
        override fun myReportsUpdates() = updates.receiveAsFlow()
    }

    @Test
    fun `an older copy of the report arriving late neither undoes the status nor closes the dispute being typed`() = runBlocking {
        val repo = FakeCoreRepository()
        val fresh = resolved(verification(VerificationReason.NO_PHOTO, null, Instant.now().plusSeconds(86_400)))
        repo.reports.value = ReportsSnapshot(listOf(fresh), emptyList(), null)
        val stream = Stream(repo)
        val detail = ReportDetailPresenter(stream, scope, "HT-9")
        detail.state.awaitState { it.closure?.canAnswer == true }
        detail.onEvent(ReportDetailEvent.StartDispute)
        detail.onEvent(ReportDetailEvent.ChangeDisputeText("Đèn vẫn tắt"))
        // The subscription replays the copy cached before the unit resolved it (older).
        val stale = fresh.copy(status = ReportStatus.IN_PROGRESS, updatedAt = fresh.updatedAt.minusSeconds(30), verification = null,
            timeline = fresh.timeline.take(1))
        stream.updates.send(ReportsSnapshot(listOf(stale), emptyList(), null))
        // Taken only once the stale one was handled (the collector handles one at a time).
        stream.updates.send(ReportsSnapshot(listOf(fresh), emptyList(), null))
        stream.updates.send(ReportsSnapshot(listOf(fresh), emptyList(), null))
        val s = detail.state.value
        assertEquals(vn.phananh.ui.state.CaseStatus.RESOLVED, s.status)
        val c = s.closure!!
        assertTrue(c.disputing, "the dispute form stays open")
        assertEquals("Đèn vẫn tắt", c.disputeText)
    }
}
