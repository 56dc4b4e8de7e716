package vn.phananh

import java.io.File
import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import vn.phananh.core.DraftEdit
import vn.phananh.core.FeedQuery
import vn.phananh.core.LocalState
import vn.phananh.core.PhanAnhException
import vn.phananh.data.RustCoreRepository

/**
 * Issue 14 through the bindings: two people on one phone, and a resident leaving. Kotlin →
 * generated bindings → real core (real SQLite files in a temp dir) → HTTP on loopback → the
 * real stub process. What the server holds is read back through the public feed (every report,
 * without reporter data) and each account's own "my reports".
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccountTest {
    private lateinit var stub: StubProcess

    @BeforeAll
    fun start() {
        stub = StubProcess()
    }

    @AfterAll
    fun stop() = stub.close()

    private var nextPhone = (System.nanoTime() / 1000 % 100_000).toInt()
    private fun newPhone() = "09130" + (nextPhone++ % 100_000).toString().padStart(5, '0')

    /** A word no other test writes, so the feed's text search counts this test's reports only. */
    private fun marker() = "mk" + java.util.UUID.randomUUID().toString().replace("-", "").take(12)

    private fun open(dir: File, s: StubProcess = stub) = RustCoreRepository.open(dir.path, s.baseUrl, TestEnv.boundaries.path)

    private suspend fun signIn(repo: RustCoreRepository, phone: String, s: StubProcess = stub) {
        val code = s.otpFor { repo.requestOtp(phone) }
        repo.signIn(phone, code)
        assertTrue(repo.isSignedIn())
    }

    /** A complete draft with a real photo (copied into the core's storage). */
    private suspend fun draft(repo: RustCoreRepository, text: String): String {
        val d = repo.createDraft()
        repo.addAttachment(d.id, TestEnv.photo("apple_iphone_4s_orient6.jpg").path)
        repo.updateDraft(d.id, listOf(DraftEdit.Category("moi_truong"), DraftEdit.Description(text), DraftEdit.Location(haTinhFix())))
        return d.id
    }

    /** How many reports on the server carry [marker] (the public feed lists every report). */
    private suspend fun onServer(repo: RustCoreRepository, marker: String): Int =
        repo.feed(FeedQuery(text = marker, limit = 100u)).items.count { it.description.contains(marker) }

    private suspend fun deliverAll(repo: RustCoreRepository): Int = repo.runPending(Instant.now().plusSeconds(60)).delivered.toInt()

    @Test
    fun `a queued report waits for its owner - never sent, seen or synced under the next account`() = runBlocking {
        val a = newPhone()
        val b = newPhone()
        val mark = marker()
        open(TestEnv.tempDir("switch-")).use { phone ->
            // A writes a report with no connection: it waits in the outbox; a second one stays a draft.
            signIn(phone, a)
            phone.setConnectivity(false, false)
            val aItem = phone.submitDraft(draft(phone, "Rác đổ trộm ven sông $mark")).clientId
            val aDraft = draft(phone, "Cống bị tắc gây ngập $mark")
            assertEquals(2, phone.unsentCount(), "one queued report, one draft")
            phone.signOut()
            assertEquals(0, phone.unsentCount(), "signed out: nobody's count")

            // B signs in on the same phone, online, and runs delivery.
            signIn(phone, b)
            phone.setConnectivity(true, false)
            assertEquals(0, deliverAll(phone), "nothing of A's is sent under B")
            assertEquals(0, onServer(phone, mark))
            assertTrue(phone.outbox().isEmpty(), "B does not see A's queued report")
            assertTrue(phone.drafts().isEmpty(), "nor A's draft")
            assertEquals(0, phone.unsentCount())
            assertThrows<PhanAnhException.NotFound> { phone.draft(aDraft) }
            assertThrows<PhanAnhException.NotFound> { phone.deleteDraft(aDraft) }
            assertThrows<PhanAnhException.NotFound> { phone.cancelOutboxItem(aItem) }
            phone.syncMyReports()
            assertTrue(phone.myReports().none { mark in it.description }, "B's reports hold nothing of A's")
            phone.signOut()

            // A again: the queued report goes out once, as A's; the draft is back.
            signIn(phone, a)
            assertEquals(listOf(aDraft), phone.drafts().map { it.id })
            assertEquals(1, deliverAll(phone))
            assertEquals(0, deliverAll(phone), "delivered once")
            assertEquals(1, onServer(phone, mark))
            phone.syncMyReports()
            val mine = phone.myReports().filter { mark in it.description }
            assertEquals(listOf(aItem), mine.map { it.clientId }, "on the server it is A's report")
            assertEquals(LocalState.Submitted, phone.outbox().single { it.clientId == aItem }.state)
        }
        // B, on a phone of their own, has none of it.
        open(TestEnv.tempDir("switch-b-")).use { other ->
            signIn(other, b)
            other.syncMyReports()
            assertTrue(other.myReports().none { mark in it.description })
        }
    }

    @Test
    fun `deleting an account leaves none of its data on the phone and keeps the next person's draft`() = runBlocking {
        val a = newPhone()
        val b = newPhone()
        val mark = marker()
        val dir = TestEnv.tempDir("delete-")
        open(dir).use { phone ->
            // B leaves a draft on the shared phone.
            signIn(phone, b)
            val bDraft = phone.draft(draft(phone, "Đèn đường hỏng cả đoạn, tối om"))
            phone.signOut()

            // A files a report, keeps a draft, downloads their data.
            signIn(phone, a)
            phone.submitDraft(draft(phone, "Ổ gà sâu giữa đường $mark"))
            assertEquals(1, deliverAll(phone))
            phone.syncMyReports()
            val aReport = phone.myReports().single { mark in it.description }
            val aDraft = phone.draft(draft(phone, "Nắp cống bị mất $mark"))
            val export = phone.exportMyData(TestEnv.tempDir("export-a-").path)
            assertEquals(1u, export.reports)
            assertTrue(File(export.path, "data.json").readText().contains(mark), "the export holds A's report")

            phone.deleteAccount()
            assertFalse(phone.isSignedIn(), "deleting signs out")
            assertEquals(0, phone.unsentCount())
            assertTrue(phone.outbox().isEmpty())
            assertTrue(phone.drafts().isEmpty())
            assertNull(phone.cachedReport(aReport.id), "A's cached report is gone")
            assertTrue(phone.myReports().isEmpty())
            assertFalse(File(aDraft.attachments.single().path).exists(), "A's draft photo is gone")
            assertTrue(File(bDraft.attachments.single().path).isFile, "B's draft photo is kept")

            // The public report stays on the server, without identity.
            assertEquals(1, onServer(phone, mark))

            // B finds their draft as they left it.
            signIn(phone, b)
            assertEquals(listOf(bDraft.id), phone.drafts().map { it.id })
            assertEquals(bDraft.description, phone.draft(bDraft.id).description)
            phone.signOut()

            // A's number signs in to a new, empty account.
            signIn(phone, a)
            assertTrue(phone.drafts().isEmpty())
            phone.syncMyReports()
            assertTrue(phone.myReports().isEmpty(), "the server keeps no link from A to the old report")
            assertEquals(0u, phone.exportMyData(TestEnv.tempDir("export-a2-").path).reports)
        }
    }

    @Test
    fun `deletion without the server fails with Offline and loses nothing`() = runBlocking {
        // A stub of its own: this test stops it.
        val own = StubProcess()
        open(TestEnv.tempDir("delete-offline-"), own).use { phone ->
            val (queued, kept) = own.use {
                signIn(phone, newPhone(), own)
                phone.setConnectivity(false, false)
                phone.submitDraft(draft(phone, "Rác thải chưa được thu gom")) to phone.draft(draft(phone, "Cây đổ chắn ngang lối đi"))
            }
            // The server is gone (connection refused on its port); the phone believes it is online.
            phone.setConnectivity(true, false)
            val outboxBefore = phone.outbox()
            assertEquals(listOf(queued.clientId), outboxBefore.map { it.clientId })
            val e = assertThrows<PhanAnhException> { phone.deleteAccount() }
            assertTrue(e is PhanAnhException.Offline, "typed as offline: $e")
            assertTrue(phone.isSignedIn(), "still signed in")
            assertEquals(listOf(kept.id), phone.drafts().map { it.id })
            assertTrue(File(kept.attachments.single().path).isFile)
            assertEquals(outboxBefore.map { it.clientId }, phone.outbox().map { it.clientId })
            assertEquals(2, phone.unsentCount())
        }
    }
}
