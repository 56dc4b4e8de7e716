package vn.phananh

import java.io.File
import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import vn.phananh.core.DraftEdit
import vn.phananh.core.FeedQuery
import vn.phananh.core.PhanAnhException
import vn.phananh.core.PushEffect
import vn.phananh.core.PushPlatform
import vn.phananh.core.ReportStatus
import vn.phananh.data.RustCoreRepository
import vn.phananh.presenter.toPhoto
import vn.phananh.ui.state.MediaResolution
import vn.phananh.ui.state.MediaUnavailable

/**
 * Issue 17 items 1, 5, 6 and issue 13's notices through the bindings: Kotlin → generated
 * bindings → the real core (SQLite in a temp dir) → HTTP on loopback → the real stub process,
 * whose simulated officer moves each case one step every 0.4 s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CoreServicesTest {
    private lateinit var stub: StubProcess

    @BeforeAll
    fun start() {
        stub = StubProcess(simulateSeconds = 0.4)
    }

    @AfterAll
    fun stop() = stub.close()

    private fun open(dir: File = TestEnv.tempDir("svc-")) = RustCoreRepository.open(dir.path, stub.baseUrl, TestEnv.boundaries.path)

    private suspend fun signIn(repo: RustCoreRepository, phone: String) {
        val code = stub.otpFor { repo.requestOtp(phone) }
        repo.signIn(phone, code)
    }

    /** One delivered report with a real photo; its id on the server. */
    private suspend fun deliver(repo: RustCoreRepository, text: String): String {
        val d = repo.createDraft()
        repo.addAttachment(d.id, TestEnv.photo("apple_iphone_4s_orient6.jpg").path)
        repo.updateDraft(d.id, listOf(DraftEdit.Category("moi_truong"), DraftEdit.Description(text), DraftEdit.Location(haTinhFix())))
        repo.submitDraft(d.id)
        assertEquals(1u, repo.runPending(Instant.now().plusSeconds(60)).delivered)
        repo.syncMyReports()
        return repo.myReports().single().id
    }

    @Test
    fun `my report's photo is kept and shown offline, byte for byte`() = runBlocking {
        open().use { repo ->
            signIn(repo, "0913300001")
            deliver(repo, "Cây đổ chắn ngang đường Hà Huy Tập")
            val client = repo.client()
            assertEquals(1u, client.keepMyReportMedia())
            val media = repo.myReports().single().media.single()
            assertEquals(64, media.sha256.length)
            assertEquals(media.sizeBytes, client.mediaCacheUsage().keptBytes)
            repo.setConnectivity(false, false)
            val f = client.mediaFile(media, true)
            assertTrue(f.fromCache)
            assertEquals(media.sha256, File(f.path).sha256Hex())
            // A feed photo not on the phone, offline: the error says why.
            assertThrows<PhanAnhException.Offline> {
                runBlocking { client.mediaFile(media.copy(sha256 = "0".repeat(64)), false) }
            }
            // What the screens get through the repository (the placeholder's reason).
            val remote = media.toPhoto(keep = false).remote!!
            assertEquals(MediaResolution.File(f.path), repo.mediaFile(remote))
            assertEquals(MediaResolution.Unavailable(MediaUnavailable.OFFLINE), repo.mediaFile(remote.copy(sha256 = "1".repeat(64))))
            repo.setConnectivity(true, false)
            assertEquals(
                MediaResolution.Unavailable(MediaUnavailable.DAMAGED),
                repo.mediaFile(remote.copy(sha256 = "2".repeat(64))),
                "the server's bytes do not match the hash the report names",
            )
        }
    }

    @Test
    fun `a push token follows the account and a push becomes a sync of its report`() = runBlocking {
        open().use { repo ->
            val client = repo.client()
            assertFalse(client.setPushToken(PushPlatform.FCM, "kotlin-fcm-token"), "signed out: kept for later")
            signIn(repo, "0913300002")
            assertTrue(client.registerPendingPushToken(), "registered at sign-in")
            val id = deliver(repo, "Đèn đường hỏng cả đoạn phố Nguyễn Du")
            // The simulated officer moves the case; the public feed shows it without touching
            // the phone's copy of "my reports".
            var status = ReportStatus.RECEIVED
            withTimeout(15_000) {
                while (status == ReportStatus.RECEIVED) {
                    delay(100)
                    status = repo.feed(FeedQuery(limit = 50u)).items.first { it.id == id }.status
                }
            }
            assertEquals(ReportStatus.RECEIVED, repo.myReports().single().status, "not synced yet")
            val effect = client.handlePush(mapOf("kind" to "report_status", "report_id" to id, "status" to "closed", "google.message_id" to "0:1"))
            val report = assertIs<PushEffect.Report>(effect).report
            assertTrue(report.status != ReportStatus.RECEIVED && report.status != ReportStatus.CLOSED, "the server's status, not the push's claim: ${report.status}")
            assertEquals(report.status, repo.myReports().single().status)
            assertThrows<PhanAnhException.NotFound> {
                runBlocking { client.handlePush(mapOf("kind" to "report_status", "report_id" to "999999", "status" to "resolved")) }
            }
        }
    }

    @Test
    fun `tenant refresh asks the server at most once a day, and notices are listed for a place`() = runBlocking {
        open().use { repo ->
            val client = repo.client()
            val first = client.refreshTenantIfDue()
            assertTrue(first.checked && first.configChanged, "$first")
            assertFalse(client.refreshTenantIfDue().checked, "not again the same day")
            val here = haTinhFix()
            val n = client.noticesAt(here.lat, here.lon)
            assertNotNull(n.ward, "the ward of the place, from the boundaries on the phone")
            assertFalse(n.fromCache)
            assertTrue(n.notices.all { it.validTo == null || it.validTo!!.isAfter(Instant.now()) })
        }
    }
}
