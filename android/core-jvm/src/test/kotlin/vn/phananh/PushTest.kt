package vn.phananh

import java.time.Instant
import java.util.UUID
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import vn.phananh.core.DraftEdit
import vn.phananh.core.PhanAnhException
import vn.phananh.core.PushEffect
import vn.phananh.core.PushPlatform
import vn.phananh.core.ReportStatus
import vn.phananh.data.RustCoreRepository

/**
 * Push over the real core and the real stub (issue 17 item 6): the token handed over before
 * sign-in is registered at sign-in (the stub then has a device to push to for this resident's
 * report); a push's data, as FCM hands it to the app, changes the report's status as a sync
 * would; a push naming a report that is not this account's, or unreadable data, is a typed
 * error and changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PushTest {
    private lateinit var stub: StubProcess
    private lateinit var officer: StubOfficer

    @BeforeAll
    fun start() {
        stub = StubProcess()
        officer = StubOfficer(stub)
    }

    @AfterAll
    fun stop() = stub.close()

    private fun open() = RustCoreRepository.open(TestEnv.tempDir("push-").path, stub.baseUrl, TestEnv.boundaries.path)

    /** The stub's log line for a status push of report [id] after [mark]: how many devices it went to. */
    private fun pushedDevices(id: String, mark: Int): Int? =
        stub.awaitLog(Regex("push: .*report=$id devices=(\\d+)"), mark)?.groupValues?.get(1)?.toInt()

    @Test
    fun `token registered at sign-in, a push changes its report's status, a push for an unknown report changes nothing`() = runBlocking<Unit> {
        open().use { repo ->
            val token = "fcm-" + UUID.randomUUID()
            // Signed out: kept on the phone, not registered yet; an empty token is refused.
            assertFalse(repo.setPushToken(PushPlatform.FCM, token))
            assertFailsWith<PhanAnhException.Validation> { repo.setPushToken(PushPlatform.FCM, "  ") }

            val phone = "0912" + (100_000 + (System.nanoTime() / 1000 % 900_000)).toString()
            repo.signIn(phone, stub.otpFor { repo.requestOtp(phone) })
            // Registered by the sign-in itself: nothing left to do.
            assertTrue(repo.registerPendingPushToken())

            val marker = "PUSH-" + UUID.randomUUID().toString().take(8)
            val d = repo.createDraft()
            repo.addAttachment(d.id, TestEnv.photo("apple_iphone_4s_orient6.jpg").path)
            repo.updateDraft(d.id, listOf(DraftEdit.Category("giao_thong"), DraftEdit.Description("Ổ gà $marker"), DraftEdit.Location(haTinhFix())))
            repo.submitDraft(d.id)
            repo.runPending(Instant.now().plusSeconds(60))
            repo.syncMyReports()
            val id = repo.myReports().single { it.description.contains(marker) }.id
            assertEquals(ReportStatus.RECEIVED, repo.cachedReport(id)!!.status)

            // The officer forwards it: the stub pushes to the one device registered for this resident.
            val mark = stub.logMark()
            officer.act(id, "accept")
            assertEquals(1, pushedDevices(id, mark), "the stub pushed to the token registered at sign-in")
            assertEquals(ReportStatus.RECEIVED, repo.cachedReport(id)!!.status, "no sync ran")

            // The push's data as FCM hands it over (the stub's keys, plus FCM's own).
            val data = mapOf("kind" to "report_status", "report_id" to id, "status" to "forwarded", "google.message_id" to "0:1")
            val effect = repo.handlePush(data)
            assertTrue(effect is PushEffect.Report && effect.report.status == ReportStatus.FORWARDED, "$effect")
            assertEquals(ReportStatus.FORWARDED, repo.cachedReport(id)!!.status)

            // Not this account's report, or data the core cannot read: a typed error, nothing changed.
            val before = repo.myReports()
            val unknown = assertFailsWith<PhanAnhException.NotFound> {
                repo.handlePush(mapOf("kind" to "report_status", "report_id" to "999999", "status" to "resolved"))
            }
            assertTrue(unknown.what.contains("999999"), unknown.what)
            assertFailsWith<PhanAnhException> { repo.handlePush(mapOf("kind" to "wipe")) }
            assertFailsWith<PhanAnhException> { repo.handlePush(mapOf("kind" to "report_status", "report_id" to id)) }
            assertEquals(before, repo.myReports())
            assertNotNull(repo.cachedReport(id))
        }
    }

    @Test
    fun `a token handed over while offline is registered when the network returns`() = runBlocking<Unit> {
        open().use { repo ->
            val phone = "0913" + (100_000 + (System.nanoTime() / 1000 % 900_000)).toString()
            repo.signIn(phone, stub.otpFor { repo.requestOtp(phone) })
            repo.setConnectivity(false, false)
            assertFalse(repo.setPushToken(PushPlatform.FCM, "fcm-" + UUID.randomUUID()), "offline: kept for later")
            assertFalse(repo.registerPendingPushToken())
            repo.setConnectivity(true, false)
            assertTrue(repo.registerPendingPushToken())
        }
    }
}
