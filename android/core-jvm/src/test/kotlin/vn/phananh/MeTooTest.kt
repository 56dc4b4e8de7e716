package vn.phananh

import java.time.Instant
import kotlin.test.assertEquals
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
import vn.phananh.core.DraftEdit
import vn.phananh.core.FeedQuery
import vn.phananh.core.LocationFix
import vn.phananh.core.LocationSource
import vn.phananh.data.RustCoreRepository
import vn.phananh.presenter.NewReportPresenter
import vn.phananh.ui.state.CaseStatus
import vn.phananh.ui.state.NewReportEvent

/**
 * "Me too" while writing a report (issue 13 item 2), through the new-report presenter over the
 * real core and the real stub: resident A files a pothole; resident B starts a draft of the same
 * category 30 m away, is offered A's report, joins it (through the outbox, once), drops the
 * draft, and then follows the report in "my reports"; offline, the offer comes from the feed
 * kept on the phone and says so.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeTooTest {
    private lateinit var stub: StubProcess
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @BeforeAll
    fun start() { stub = StubProcess() }

    @AfterAll
    fun stop() {
        scope.cancel()
        stub.close()
    }

    private suspend fun signedIn(phone: String): RustCoreRepository {
        val repo = RustCoreRepository.open(TestEnv.tempDir("metoo-").path, stub.baseUrl, TestEnv.boundaries.path)
        val code = stub.otpFor { repo.requestOtp(phone) }
        repo.signIn(phone, code)
        return repo
    }

    /** [north] metres north of [haTinhFix]. */
    private fun near(north: Double) = haTinhFix().let { LocationFix(it.lat + north / StubOfficer.M_PER_DEG_LAT, it.lon, 5.0, null, Instant.now(), LocationSource.MANUAL) }

    @Test
    fun `B writing the same pothole 30 m away is offered A's report, joins it once and follows it`() = runBlocking {
        val a = signedIn("0913500001")
        val b = signedIn("0913500002")
        try {
            val d = a.createDraft()
            a.addAttachment(d.id, TestEnv.photo("apple_iphone_4s_orient6.jpg").path)
            a.updateDraft(d.id, listOf(DraftEdit.Category("giao_thong"), DraftEdit.Description("Ổ gà sâu giữa đường Hà Huy Tập"), DraftEdit.Location(haTinhFix())))
            a.submitDraft(d.id)
            assertEquals(1u, a.runPending(Instant.now().plusSeconds(60)).delivered)
            a.syncMyReports()
            val filed = a.myReports().single()

            val screen = NewReportPresenter(b, scope, syncNow = {}, meToo = b)
            screen.state.awaitState { it.draftId != null }
            // A position alone is not enough to compare: nothing is offered without a category.
            screen.setLocation(near(30.0))
            screen.state.awaitState { it.location.chosen != null }
            screen.flushEdits()
            assertTrue(screen.state.value.meToo.items.isEmpty())
            screen.onEvent(NewReportEvent.SelectCategory("giao_thong"))
            val offered = screen.state.awaitState(15_000) { it.meToo.items.isNotEmpty() }.meToo
            val item = offered.items.single()
            assertEquals(filed.id, item.id)
            assertEquals(30, item.distanceM, "the distance the test put between the two")
            assertEquals(CaseStatus.RECEIVED, item.status)
            assertEquals(0, item.supporters)
            assertEquals("Ổ gà sâu giữa đường Hà Huy Tập", item.description)
            assertTrue(!offered.fromCache)

            // Another category at the same place: not the same problem.
            screen.onEvent(NewReportEvent.SelectCategory("moi_truong"))
            screen.state.awaitState { it.meToo.items.isEmpty() }
            screen.onEvent(NewReportEvent.SelectCategory("giao_thong"))
            screen.state.awaitState { it.meToo.items.isNotEmpty() }

            screen.onEvent(NewReportEvent.JoinNearby(filed.id))
            val asked = screen.state.awaitState { it.meToo.askDiscard }.meToo
            assertEquals(filed.id, asked.joined)
            assertEquals(1u, b.runPending(Instant.now().plusSeconds(30)).delivered)
            assertEquals(0u, b.runPending(Instant.now().plusSeconds(30)).delivered, "joined once")
            screen.onEvent(NewReportEvent.DiscardDraftAfterJoin)
            screen.state.awaitState { it.meToo.draftDiscarded }
            assertTrue(b.drafts().isEmpty(), "the draft is gone")

            b.syncMyReports()
            val followed = b.myReports().single { it.id == filed.id }
            assertTrue(followed.following && followed.clientId == null, "followed, not filed by B")
            assertEquals(1u, a.refreshReport(filed.id).supporters)

            // Offline: the offer comes from the feed kept on the phone, and says so.
            b.feed(FeedQuery(limit = 50u))
            b.setConnectivity(false, false)
            val offline = NewReportPresenter(b, scope, syncNow = {}, meToo = b)
            offline.state.awaitState { it.draftId != null }
            offline.setLocation(near(10.0))
            offline.onEvent(NewReportEvent.SelectCategory("giao_thong"))
            val cached = offline.state.awaitState(15_000) { it.meToo.items.isNotEmpty() }.meToo
            assertTrue(cached.fromCache)
            assertEquals(filed.id, cached.items.single().id)
            assertEquals(10, cached.items.single().distanceM)
        } finally {
            a.close(); b.close()
        }
    }
}
