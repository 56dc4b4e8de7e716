package vn.phananh

import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import vn.phananh.core.DraftEdit
import vn.phananh.core.FeedItem
import vn.phananh.core.ReportStatus
import vn.phananh.data.FakeCoreRepository
import vn.phananh.ui.state.CaseStatus
import vn.phananh.ui.state.DeliveryState
import vn.phananh.ui.state.FeedFilter
import vn.phananh.ui.state.HomeTab
import vn.phananh.ui.state.LoginStep
import vn.phananh.ui.state.UiError
import vn.phananh.viewmodel.HomeViewModel
import vn.phananh.viewmodel.LoginViewModel
import vn.phananh.viewmodel.OutboxViewModel

/** View-models over the fake repository: what previews and UI tests get without the native library. */
class FakeRepositoryViewModelTest {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @AfterEach
    fun stop() = scope.cancel()

    @Test
    fun `login - offline, wrong code, right code`() = runBlocking {
        val repo = FakeCoreRepository()
        val vm = LoginViewModel(repo, scope)
        repo.online = false
        vm.changePhone("0912345678")
        vm.requestCode()
        assertEquals(UiError.Offline, vm.state.awaitState { !it.busy && it.error != null }.error)
        repo.online = true
        vm.requestCode()
        assertEquals(LoginStep.OTP, vm.state.awaitState { !it.busy && it.step == LoginStep.OTP }.step)
        vm.changeCode("000000")
        vm.verify()
        assertEquals("otp", vm.state.awaitState { !it.busy && it.fieldErrors.isNotEmpty() }.fieldErrors.single().field)
        vm.changeCode("123456")
        vm.verify()
        vm.signedIn.awaitState { it }
        assertTrue(repo.isSignedIn())
    }

    @Test
    fun `home counts undelivered items, outbox follows delivery, feed filter reaches the repository`() = runBlocking {
        val repo = FakeCoreRepository()
        val now = Instant.now()
        repo.feedItems = listOf(
            FeedItem("HT-1", "giao_thong", "Ổ gà", 18.34, 105.9, null, ReportStatus.IN_PROGRESS, null, now, now, emptyList(), null),
            FeedItem("HT-2", "moi_truong", "Rác", 18.35, 105.91, null, ReportStatus.RESOLVED, null, now, now, emptyList(), 3u),
        )
        val home = HomeViewModel(repo, scope)
        val outbox = OutboxViewModel(repo, scope)
        val d = repo.createDraft()
        repo.updateDraft(d.id, listOf(DraftEdit.Category("giao_thong"), DraftEdit.Description("Ổ gà giữa đường"), DraftEdit.Location(haTinhFix())))
        repo.submitDraft(d.id)
        assertEquals(1, home.state.awaitState { it.pendingOutboxCount == 1 }.pendingOutboxCount)
        assertEquals(DeliveryState.Queued, outbox.state.awaitState { it.items.isNotEmpty() }.items.single().delivery)

        repo.signIn("0912345678", "123456")
        repo.runPending(now.plusSeconds(5))
        assertEquals(0, home.state.awaitState { it.pendingOutboxCount == 0 }.pendingOutboxCount)
        assertEquals(DeliveryState.Submitted, outbox.state.awaitState { s -> s.items.all { it.delivery == DeliveryState.Submitted } }.items.single().delivery)

        home.selectTab(HomeTab.PUBLIC_FEED)
        assertEquals(2, home.state.awaitState { it.publicFeed.size == 2 }.publicFeed.size)
        home.changeFeedFilter(FeedFilter(categoryCode = "moi_truong"))
        val filtered = home.state.awaitState { it.publicFeed.size == 1 }.publicFeed.single()
        assertEquals("HT-2", filtered.id)
        assertEquals(CaseStatus.RESOLVED, filtered.status)
        assertEquals("Môi trường", filtered.category.vi)
    }
}
