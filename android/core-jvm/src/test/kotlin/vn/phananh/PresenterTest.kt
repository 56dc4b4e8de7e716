package vn.phananh

import java.time.Instant
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancel
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import vn.phananh.core.DraftEdit
import vn.phananh.core.EventKind
import vn.phananh.core.FailureCode
import vn.phananh.core.FeedItem
import vn.phananh.core.LocalState
import vn.phananh.core.OutboxKind
import vn.phananh.core.Report
import vn.phananh.core.ReportStatus
import vn.phananh.core.ReportsSnapshot
import vn.phananh.core.TimelineEvent
import vn.phananh.core.UnitRef
import vn.phananh.data.FakeCoreRepository
import vn.phananh.data.FakePreferencesRepository
import vn.phananh.data.runCatchingExceptions
import vn.phananh.presenter.HomePresenter
import vn.phananh.presenter.LocationPickerPresenter
import vn.phananh.presenter.LoginPresenter
import vn.phananh.presenter.NewReportPresenter
import vn.phananh.presenter.OutboxPresenter
import vn.phananh.presenter.RatingPresenter
import vn.phananh.presenter.ReportDetailPresenter
import vn.phananh.presenter.SettingsPresenter
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.state.CaseStatus
import vn.phananh.ui.state.DeliveryFailure
import vn.phananh.ui.state.DeliveryState
import vn.phananh.ui.state.FeedFilter
import vn.phananh.ui.state.Fields
import vn.phananh.ui.state.HomeEvent
import vn.phananh.ui.state.HomeTab
import vn.phananh.ui.state.LocalizedText
import vn.phananh.ui.state.LocationPickerEvent
import vn.phananh.ui.state.LoginEvent
import vn.phananh.ui.state.LoginStep
import vn.phananh.ui.state.NewReportEvent
import vn.phananh.ui.state.OutboxEvent
import vn.phananh.ui.state.OutboxStep
import vn.phananh.ui.state.RatingEvent
import vn.phananh.ui.state.ReportDetailEvent
import vn.phananh.ui.state.SettingsDialog
import vn.phananh.ui.state.SettingsEvent
import vn.phananh.ui.state.UiError
import vn.phananh.ui.state.ValidationProblem
import vn.phananh.ui.state.forField

/**
 * Each screen's presenter over the fake repositories (no core storage, no server): the state
 * after a sequence of the screen's events. The same presenters run over the real core in
 * NewReportPresenterTest and StubEndToEndTest, and in the app's Robolectric journeys.
 */
class PresenterTest {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @AfterEach
    fun stop() = scope.cancel()

    /** A report of the fake server's: resolved by a ward with an answer (or in progress). */
    private fun report(id: String, status: ReportStatus, clientId: String? = "c-$id"): Report {
        val t0 = Instant.parse("2026-11-20T01:00:00Z")
        val ward = UnitRef("18073", "UBND phường Thành Sen")
        val timeline = buildList {
            add(TimelineEvent(1u, t0, EventKind.RECEIVED, ReportStatus.RECEIVED, null, "Đã tiếp nhận", emptyList()))
            if (status == ReportStatus.RESOLVED) {
                add(TimelineEvent(2u, t0.plusSeconds(3600), EventKind.RESOLVED, ReportStatus.RESOLVED, ward, "Đã vá ổ gà", emptyList()))
            }
        }
        return Report(
            id, clientId, "giao_thong", "Ổ gà giữa đường Trần Phú", 18.3427, 105.9057, null, null, status, ward,
            t0, t0.plusSeconds(3600), null, false, emptyMap(), emptyList(), timeline, null, null, 1u,
        )
    }

    @Test
    fun `runCatchingExceptions - failures become results, cancellation is rethrown`() = runBlocking {
        val failed = runCatchingExceptions { throw IllegalStateException("boom") }
        assertEquals("boom", failed.exceptionOrNull()?.message)
        assertEquals(42, runCatchingExceptions { 42 }.getOrNull())
        // A cancelled caller stops: the cancellation escapes instead of becoming a "failure"
        // after which the caller would carry on.
        val carriedOn = AtomicBoolean(false)
        val job = launch(Dispatchers.Default) {
            runCatchingExceptions { awaitCancellation() }
            carriedOn.set(true)
        }
        delay(50)
        job.cancelAndJoin()
        assertFalse(carriedOn.get(), "the code after a cancelled call did not run")
        // Errors (not exceptions) are not results either.
        val error = try {
            runCatchingExceptions { throw OutOfMemoryError("test") }
            null
        } catch (e: OutOfMemoryError) {
            e
        }
        assertEquals("test", error?.message)
    }

    @Test
    fun `home - tabs, feed filter, outbox badge and sign-in follow the repositories`() = runBlocking {
        val repo = FakeCoreRepository()
        val now = Instant.now()
        repo.feedItems = listOf(
            FeedItem("HT-1", "giao_thong", "Ổ gà", 18.34, 105.9, null, ReportStatus.IN_PROGRESS, null, now, now, emptyList(), null),
            FeedItem("HT-2", "moi_truong", "Rác", 18.35, 105.91, null, ReportStatus.RESOLVED, null, now, now, emptyList(), 3u),
        )
        val home = HomePresenter(repo, repo, repo, scope)
        assertEquals("Tỉnh Mẫu", home.state.value.tenantName.vi)
        assertEquals(listOf("giao_thong", "moi_truong"), home.state.value.categories.map { it.code })
        assertFalse(home.state.value.signedIn)

        val d = repo.createDraft()
        repo.updateDraft(d.id, listOf(DraftEdit.Category("giao_thong"), DraftEdit.Description("Ổ gà giữa đường"), DraftEdit.Location(haTinhFix())))
        repo.submitDraft(d.id)
        home.state.awaitState { it.pendingOutboxCount == 1 }
        repo.signIn("0912345678", "123456")
        assertTrue(home.state.awaitState { it.signedIn }.signedIn)
        repo.runPending(now.plusSeconds(5))
        home.state.awaitState { it.pendingOutboxCount == 0 }

        repo.reports.value = ReportsSnapshot(listOf(report("HT-9", ReportStatus.IN_PROGRESS)), emptyList(), null)
        val mine = home.state.awaitState { it.myReports.isNotEmpty() }.myReports.single()
        assertEquals(CaseStatus.IN_PROGRESS, mine.status)
        assertEquals("Giao thông", mine.category.vi)

        home.onEvent(HomeEvent.SelectTab(HomeTab.PUBLIC_FEED))
        assertEquals(listOf("HT-1", "HT-2"), home.state.awaitState { it.publicFeed.size == 2 }.publicFeed.map { it.id })
        assertEquals(HomeTab.PUBLIC_FEED, home.state.value.tab)
        home.onEvent(HomeEvent.ChangeFeedFilter(FeedFilter(categoryCode = "moi_truong")))
        val filtered = home.state.awaitState { it.publicFeed.size == 1 }
        assertEquals("HT-2", filtered.publicFeed.single().id)
        assertEquals("moi_truong", filtered.feedFilter.categoryCode)

        // Offline, pull-to-refresh ends with the typed error (the cached list stays).
        repo.online = false
        home.onEvent(HomeEvent.Refresh)
        val failed = home.state.awaitState { !it.refreshing && it.error != null }
        assertEquals(UiError.Offline, failed.error)
        assertEquals(1, failed.myReports.size)
        // Navigation events change nothing here (the app's navigation takes them).
        val before = home.state.value
        home.onEvent(HomeEvent.OpenReport("HT-9"))
        home.onEvent(HomeEvent.OpenOutbox)
        assertEquals(before, home.state.value)
    }

    @Test
    fun `login - offline, wrong code, right code, the phone is remembered masked`() = runBlocking {
        val repo = FakeCoreRepository()
        val prefs = FakePreferencesRepository()
        val login = LoginPresenter(repo, prefs, scope)
        repo.online = false
        login.onEvent(LoginEvent.ChangePhone("0912345678"))
        login.onEvent(LoginEvent.RequestCode)
        assertEquals(UiError.Offline, login.state.awaitState { !it.busy && it.error != null }.error)
        repo.online = true
        login.onEvent(LoginEvent.RequestCode)
        val otp = login.state.awaitState { !it.busy && it.step == LoginStep.OTP }
        assertNull(otp.error, "a new attempt clears the old error")
        login.onEvent(LoginEvent.ChangeCode("000000"))
        login.onEvent(LoginEvent.Verify)
        val wrong = login.state.awaitState { !it.busy && it.fieldErrors.isNotEmpty() }
        assertEquals(Fields.OTP, wrong.fieldErrors.single().field)
        assertFalse(wrong.signedIn)
        assertNull(prefs.values.value.maskedPhone, "nothing remembered for a wrong code")
        login.onEvent(LoginEvent.ChangeCode("123456"))
        assertTrue(login.state.value.fieldErrors.isEmpty(), "typing clears the field's error")
        login.onEvent(LoginEvent.Verify)
        login.state.awaitState { it.signedIn }
        assertTrue(repo.isSignedIn())
        assertEquals("091•••••78", prefs.values.value.maskedPhone)
        login.onEvent(LoginEvent.EditPhone)
        assertEquals(LoginStep.PHONE, login.state.value.step)
        assertEquals("", login.state.value.otp)

        // Opened while signed in: the screen is told to close at once.
        assertTrue(LoginPresenter(repo, prefs, scope).state.awaitState { it.signedIn }.signedIn)
    }

    @Test
    fun `new report - a new draft each time, a listed draft opened, an incomplete one refused, submitted with delivery triggered`() = runBlocking {
        val repo = FakeCoreRepository()
        val earlier = repo.createDraft()
        repo.updateDraft(earlier.id, listOf(DraftEdit.Description("Cây đổ chắn ngang đường")))
        val fresh = NewReportPresenter(repo, scope).state.awaitState { it.draftId != null }
        assertTrue(fresh.draftId != earlier.id && fresh.description.isEmpty(), "a new report starts a new draft")
        val synced = AtomicInteger()
        val p = NewReportPresenter(repo, scope, openDraft = earlier.id, syncNow = { synced.incrementAndGet() })
        val opened = p.state.awaitState { it.draftId != null }
        assertEquals(earlier.id, opened.draftId, "the draft chosen in the drafts list is the one edited")
        assertEquals("Cây đổ chắn ngang đường", opened.description)

        p.onEvent(NewReportEvent.Submit)
        val refused = p.state.awaitState { !it.submitting && it.fieldErrors.isNotEmpty() }
        assertEquals(setOf(Fields.CATEGORY, Fields.LOCATION), refused.fieldErrors.map { it.field }.toSet())
        assertFalse(refused.submitted)

        p.onEvent(NewReportEvent.SelectCategory("moi_truong"))
        p.onEvent(NewReportEvent.ChangeAnonymous(true))
        p.deviceFix(haTinhFix(), vn.phananh.ui.state.LocationStatus.FIXED)
        p.flushEdits()
        val saved = repo.draft(earlier.id)
        assertEquals("moi_truong", saved.category)
        assertTrue(saved.anonymous)
        assertEquals(vn.phananh.ui.state.LocationStatus.FIXED, p.state.value.location.status)
        assertTrue(p.state.value.fieldErrors.isEmpty(), "the errors of fields fixed since are gone")
        // Platform events are the app's; they change nothing here.
        p.onEvent(NewReportEvent.TakePhoto)

        p.onEvent(NewReportEvent.Submit)
        assertTrue(p.state.awaitState { it.submitted }.submitted)
        assertEquals(1, synced.get())
        assertEquals(LocalState.Queued, repo.draft(earlier.id).state)
    }

    @Test
    fun `outbox - a refused item shows its typed reason, retry queues it and triggers delivery, cancel takes it back`() = runBlocking {
        val repo = FakeCoreRepository()
        val synced = AtomicInteger()
        val outbox = OutboxPresenter(repo, repo, scope, syncNow = { synced.incrementAndGet() })
        val d = repo.createDraft()
        repo.updateDraft(d.id, listOf(DraftEdit.Category("giao_thong"), DraftEdit.Description("Ổ gà giữa đường"), DraftEdit.Location(haTinhFix())))
        val item = repo.submitDraft(d.id)
        repo.refuse(item.clientId, FailureCode.REJECTED, "server answered 422: description: too_short")

        val refused = outbox.state.awaitState { s -> s.items.any { it.delivery is DeliveryState.Failed } }.items.single()
        assertEquals(DeliveryState.Failed(DeliveryFailure.REJECTED, retryable = false), refused.delivery)
        assertEquals(OutboxStep.STOPPED, refused.step)
        assertTrue(refused.canRetry)
        assertEquals("Giao thông", refused.title.vi)
        assertEquals("Ổ gà giữa đường", refused.description)

        // Every code of the core keeps its own meaning on the screen.
        for ((code, shown) in listOf(FailureCode.FORBIDDEN to DeliveryFailure.FORBIDDEN, FailureCode.TOO_LARGE to DeliveryFailure.TOO_LARGE,
            FailureCode.CONFLICT to DeliveryFailure.CONFLICT, FailureCode.NOT_FOUND to DeliveryFailure.NOT_FOUND)) {
            repo.refuse(item.clientId, code)
            assertEquals(shown, (outbox.state.awaitState { s -> (s.items.single().delivery as? DeliveryState.Failed)?.reason == shown }
                .items.single().delivery as DeliveryState.Failed).reason)
        }

        outbox.onEvent(OutboxEvent.RetryAll)
        assertEquals(DeliveryState.Queued, outbox.state.awaitState { s -> s.items.single().delivery == DeliveryState.Queued }.items.single().delivery)
        withTimeout(5_000) { while (synced.get() == 0) delay(10) }
        assertEquals(1, synced.get())

        outbox.onEvent(OutboxEvent.Cancel(item.clientId))
        outbox.state.awaitState { it.items.isEmpty() }
        assertEquals(LocalState.Draft, repo.draft(d.id).state, "a cancelled report is a draft again")

        // Retrying what is not there: the typed error, and no delivery run.
        outbox.onEvent(OutboxEvent.Retry("nope"))
        assertEquals("not_found", outbox.state.awaitState { it.error != null }.error?.code)
        assertEquals(1, synced.get())
    }

    @Test
    fun `report detail - cached copy, answer and rating offer, offline refresh keeps it and says why`() = runBlocking {
        val repo = FakeCoreRepository()
        val detail = ReportDetailPresenter(repo, scope, "HT-7")
        assertEquals("HT-7", detail.state.value.id, "the screen knows which report it waits for")
        val missing = detail.state.awaitState { it.error != null }
        assertEquals("not_found", missing.error?.code)

        repo.reports.value = ReportsSnapshot(listOf(report("HT-7", ReportStatus.RESOLVED)), listOf("HT-7"), null)
        val shown = detail.state.awaitState { it.status == CaseStatus.RESOLVED }
        assertEquals("Đã vá ổ gà", shown.answer?.text)
        assertEquals("UBND phường Thành Sen", shown.answer?.unitName)
        assertEquals(2, shown.timeline.size)
        assertTrue(shown.canRate && shown.isMine)

        repo.online = false
        detail.onEvent(ReportDetailEvent.Refresh)
        val offline = detail.state.awaitState { !it.loading && it.error == UiError.Offline }
        assertEquals("Ổ gà giữa đường Trần Phú", offline.description, "the cached report stays on screen")

        // Someone else's report in the feed: not mine, no rating.
        repo.reports.value = ReportsSnapshot(listOf(report("HT-8", ReportStatus.RESOLVED, clientId = null)), emptyList(), null)
        val other = ReportDetailPresenter(repo, scope, "HT-8").state.awaitState { it.status != null }
        assertFalse(other.canRate || other.isMine)
    }

    @Test
    fun `rating - reopen only for a level that allows it, invalid level refused in place, submit queues and triggers delivery`() = runBlocking {
        val repo = FakeCoreRepository()
        val synced = AtomicInteger()
        val rating = RatingPresenter(repo, scope, "HT-7", LocalizedText("Giao thông", "Traffic"), syncNow = { synced.incrementAndGet() })
        assertEquals(listOf(3, 2, 1), rating.state.value.levels.map { it.value })
        assertEquals(1000, rating.state.value.commentMaxChars)

        rating.onEvent(RatingEvent.Submit)
        val refused = rating.state.awaitState { !it.submitting && it.fieldErrors.isNotEmpty() }
        assertEquals(ValidationProblem.OutOfRange, refused.fieldErrors.forField(Fields.RATING_LEVEL).single().problem)
        assertEquals(0, synced.get())

        rating.onEvent(RatingEvent.SelectLevel(3))
        rating.onEvent(RatingEvent.ChangeReopen(true))
        assertFalse(rating.state.value.reopen, "\"satisfied\" cannot reopen the case")
        rating.onEvent(RatingEvent.SelectLevel(1))
        rating.onEvent(RatingEvent.ChangeReopen(true))
        assertTrue(rating.state.value.reopen)
        rating.onEvent(RatingEvent.SelectLevel(2))
        assertFalse(rating.state.value.reopen, "choosing a level that may not reopen clears the switch")
        rating.onEvent(RatingEvent.SelectLevel(1))
        rating.onEvent(RatingEvent.ChangeReopen(true))
        rating.onEvent(RatingEvent.ChangeComment("Mới vá một nửa"))
        rating.onEvent(RatingEvent.Submit)
        assertTrue(rating.state.awaitState { it.submitted }.submitted)
        assertEquals(1, synced.get())
        val queued = repo.outbox().single().kind as OutboxKind.Rating
        assertEquals("HT-7", queued.reportId)
        assertEquals(1, queued.rating.level.toInt())
        assertTrue(queued.rating.reopen)
        assertEquals("Mới vá một nửa", queued.rating.comment)
    }

    @Test
    fun `settings - preferences change, the Wi-Fi rule reaches the core, sign-out shows signed out`() = runBlocking {
        val repo = FakeCoreRepository()
        val prefs = FakePreferencesRepository()
        repo.signIn("0912345678", "123456")
        prefs.rememberPhone("0912345678")
        val settings = settingsOver(repo, prefs)
        assertEquals("091•••••78", settings.state.awaitState { it.signedInPhone != null }.signedInPhone)
        assertEquals("Tỉnh Mẫu", settings.state.value.tenantName.vi)
        assertEquals("1.2.3", settings.state.value.appVersion)

        settings.onEvent(SettingsEvent.ChangeLanguage(AppLanguage.EN))
        assertEquals(AppLanguage.EN, settings.state.awaitState { it.language == AppLanguage.EN }.language)
        assertEquals(AppLanguage.EN, prefs.values.value.language)
        settings.onEvent(SettingsEvent.ChangeNotifications(false))
        assertFalse(settings.state.awaitState { !it.notificationsEnabled }.notificationsEnabled)
        settings.onEvent(SettingsEvent.ChangeWifiOnlyVideo(false))
        assertFalse(settings.state.awaitState { !it.wifiOnlyVideo }.wifiOnlyVideo)
        withTimeout(5_000) { while (repo.videoWifiOnly) delay(10) }

        settings.onEvent(SettingsEvent.SignOut)
        // Asked first; with nothing unsent the question says so (0).
        assertEquals(SettingsDialog.ConfirmSignOut(0), settings.state.awaitState { it.dialog != null }.dialog)
        assertTrue(repo.isSignedIn(), "nothing happens before the answer")
        settings.onEvent(SettingsEvent.ConfirmSignOut)
        assertNull(settings.state.awaitState { it.signedInPhone == null && !it.busy }.signedInPhone)
        assertNull(settings.state.value.dialog)
        assertFalse(repo.isSignedIn())
        assertNull(prefs.values.value.maskedPhone, "the number is not kept for the next person")
    }

    private val exportRoot by lazy { TestEnv.tempDir("settings-export-") }

    private fun settingsOver(repo: FakeCoreRepository, prefs: FakePreferencesRepository = FakePreferencesRepository()) =
        SettingsPresenter(
            prefs, session = repo, outbox = repo, account = repo, scope = scope, appScope = scope,
            appVersion = "1.2.3", coreVersion = "0.9.0", exportDir = { exportRoot.path },
        )

    @Test
    fun `settings - sign-out says how many unsent items stay, and cancelling it keeps the session`() = runBlocking {
        val repo = FakeCoreRepository()
        repo.signIn("0912345678", "123456")
        // Two reports delivered earlier, then one draft being written and one report queued offline.
        for (text in listOf("Ổ gà lớn giữa đường", "Đèn đường hỏng")) {
            val id = repo.createDraft().id
            repo.updateDraft(id, listOf(DraftEdit.Category("giao_thong"), DraftEdit.Description(text), DraftEdit.Location(haTinhFix())))
            repo.submitDraft(id)
        }
        assertEquals(2u, repo.runPending(Instant.now().plusSeconds(5)).delivered)
        repo.online = false
        repo.createDraft()
        val queued = repo.createDraft().id
        repo.updateDraft(queued, listOf(DraftEdit.Category("giao_thong"), DraftEdit.Description("Cây đổ chắn lối"), DraftEdit.Location(haTinhFix())))
        repo.submitDraft(queued)

        val settings = settingsOver(repo)
        settings.state.awaitState { it.signedInPhone != null }
        settings.onEvent(SettingsEvent.SignOut)
        assertEquals(SettingsDialog.ConfirmSignOut(2), settings.state.awaitState { it.dialog != null }.dialog, "a draft and a queued report")
        settings.onEvent(SettingsEvent.DismissDialog)
        assertNull(settings.state.awaitState { it.dialog == null }.dialog)
        assertTrue(repo.isSignedIn())
        assertEquals(2, repo.unsentCount())
    }

    @Test
    fun `settings - download my data shows where and how much, and a failure says why`() = runBlocking {
        val repo = FakeCoreRepository()
        repo.signIn("0912345678", "123456")
        repo.reports.value = ReportsSnapshot(listOf(report("HT-1", ReportStatus.RESOLVED), report("HT-2", ReportStatus.IN_PROGRESS)), emptyList(), null)
        repo.exportMediaMissing = 1
        val settings = settingsOver(repo)
        settings.state.awaitState { it.signedInPhone != null }

        settings.onEvent(SettingsEvent.ExportData)
        val done = settings.state.awaitState { it.exported != null }
        val r = done.exported!!
        assertEquals(2 to 1, r.reports to r.mediaMissing)
        assertTrue(r.path.startsWith(exportRoot.path), r.path)
        assertTrue(java.io.File(r.path, "data.json").isFile, "the folder the screen names holds the data")
        assertFalse(done.busy)
        assertNull(done.exportError)

        repo.online = false
        settings.onEvent(SettingsEvent.ExportData)
        val failed = settings.state.awaitState { it.exportError != null }
        assertEquals(UiError.Offline, failed.exportError)
        assertNull(failed.exported, "an old result is not shown as the new one")
        assertEquals(listOf(java.io.File(r.path)), exportRoot.listFiles()!!.toList(), "nothing written by the failed export")

        repo.online = true
        settings.onEvent(SettingsEvent.ExportData)
        val second = settings.state.awaitState { it.exported != null }.exported!!
        assertTrue(second.path != r.path)
        assertEquals(listOf(java.io.File(second.path)), exportRoot.listFiles()!!.toList(), "only the latest export is kept")
        // Signed out: no export of this account's data is left for the next person.
        settings.onEvent(SettingsEvent.SignOut)
        settings.state.awaitState { it.dialog != null }
        settings.onEvent(SettingsEvent.ConfirmSignOut)
        assertNull(settings.state.awaitState { it.signedInPhone == null && !it.busy }.exported)
        assertEquals(0, exportRoot.listFiles()!!.size)
    }

    @Test
    fun `settings - account deletion asks first, offline deletes nothing, then deletes and signs out`() = runBlocking {
        val repo = FakeCoreRepository()
        repo.signIn("0912345678", "123456")
        val prefs = FakePreferencesRepository().apply { rememberPhone("0912345678") }
        val draft = repo.createDraft().id
        val settings = settingsOver(repo, prefs)
        settings.state.awaitState { it.signedInPhone != null }

        settings.onEvent(SettingsEvent.DeleteAccount)
        assertEquals(SettingsDialog.ConfirmDelete, settings.state.value.dialog)
        settings.onEvent(SettingsEvent.DismissDialog)
        assertNull(settings.state.value.dialog)
        assertEquals(0, repo.deletedAccounts, "nothing happens without the confirmation")

        repo.online = false
        settings.onEvent(SettingsEvent.DeleteAccount)
        settings.onEvent(SettingsEvent.ConfirmDeleteAccount)
        val offline = settings.state.awaitState { it.deleteError != null }
        assertEquals(UiError.Offline, offline.deleteError)
        assertFalse(offline.accountDeleted)
        assertEquals("091•••••78", offline.signedInPhone)
        assertTrue(repo.isSignedIn(), "still signed in")
        assertEquals(draft, repo.draft(draft).id, "the draft is kept")

        repo.online = true
        settings.onEvent(SettingsEvent.DeleteAccount)
        assertNull(settings.state.value.deleteError, "asking again clears the old failure")
        settings.onEvent(SettingsEvent.ConfirmDeleteAccount)
        val deleted = settings.state.awaitState { it.accountDeleted }
        assertEquals(1, repo.deletedAccounts)
        assertNull(deleted.signedInPhone)
        assertFalse(deleted.busy)
        assertFalse(repo.isSignedIn())
        assertTrue(repo.drafts().isEmpty())
        assertNull(prefs.values.value.maskedPhone)
    }

    @Test
    fun `location picker - the pin moves, recentres, and stays put once confirmed`() {
        val picker = LocationPickerPresenter(18.3427, 105.9057)
        picker.onEvent(LocationPickerEvent.MovePin(18.35, 105.91))
        assertEquals(18.35 to 105.91, picker.state.value.lat to picker.state.value.lon)
        picker.onEvent(LocationPickerEvent.RecenterOnDevice)
        assertEquals(18.3427 to 105.9057, picker.state.value.lat to picker.state.value.lon)
        picker.onEvent(LocationPickerEvent.MovePin(18.36, 105.92))
        picker.onEvent(LocationPickerEvent.Confirm)
        picker.onEvent(LocationPickerEvent.MovePin(0.0, 0.0))
        val s = picker.state.value
        assertTrue(s.confirmed)
        assertEquals(18.36 to 105.92, s.lat to s.lon, "what was confirmed is what is handed back")
    }
}
