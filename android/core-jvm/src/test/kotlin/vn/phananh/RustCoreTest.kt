package vn.phananh

import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import vn.phananh.core.DraftEdit
import vn.phananh.core.LocalState
import vn.phananh.core.MediaKind
import vn.phananh.core.OutboxKind
import vn.phananh.core.PhanAnhException
import vn.phananh.core.ValidationReason
import vn.phananh.core.coreVersion
import vn.phananh.data.RustCoreRepository

/** The generated bindings over the real core (host build loaded with JNA), no network. */
class RustCoreTest {
    private val dir = TestEnv.tempDir("core-")

    @Test
    fun `draft with a real photo is validated, submitted and survives a restart`() = runBlocking {
        val photo = TestEnv.photo("nikon_coolpix_p6000_gps_DSCN0010.jpg")
        RustCoreRepository.open(dir.path).use { repo ->
            assertTrue(coreVersion().isNotBlank())
            val draft = repo.createDraft()
            assertEquals(LocalState.Draft, draft.state)

            val a = repo.addAttachment(draft.id, photo.path)
            assertEquals(MediaKind.PHOTO, a.kind)
            assertEquals(photo.length().toULong(), a.sizeBytes)
            // The copy in app storage is byte-identical to the original (oracle: JDK SHA-256).
            assertEquals(photo.sha256Hex(), a.sha256)
            assertEquals(photo.sha256Hex(), File(a.path).sha256Hex())
            assertTrue(a.path.startsWith(dir.canonicalPath) || a.path.startsWith(dir.path), a.path)

            // Empty draft: the core names every missing field at once.
            val problems = repo.validateDraft(draft.id)
            assertEquals(setOf("category", "description", "location"), problems.map { it.field }.toSet())
            assertTrue(problems.all { it.reason == ValidationReason.Required })

            // Submitting an invalid draft is refused and leaves the draft editable.
            val refused = assertThrows<PhanAnhException.Validation> { runBlocking { repo.submitDraft(draft.id) } }
            assertEquals(3, refused.errors.size)
            assertEquals(listOf(draft.id), repo.drafts().map { it.id })

            val short = repo.updateDraft(draft.id, listOf(DraftEdit.Description("Ổ gà")))
            assertEquals("Ổ gà", short.description)
            val tooShort = repo.validateDraft(draft.id).single { it.field == "description" }
            assertEquals(ValidationReason.TooShort(repo.config().descriptionMinChars), tooShort.reason)

            val filled = repo.updateDraft(
                draft.id,
                listOf(
                    DraftEdit.Category("giao_thong"),
                    DraftEdit.Description("Ổ gà lớn giữa đường Trần Phú, xe máy rất dễ ngã"),
                    DraftEdit.Location(haTinhFix()),
                    DraftEdit.Anonymous(true),
                ),
            )
            assertEquals("giao_thong", filled.category)
            assertTrue(filled.anonymous)
            assertEquals(emptyList(), repo.validateDraft(draft.id))

            val item = repo.submitDraft(draft.id)
            assertEquals(LocalState.Queued, item.state)
            assertEquals(OutboxKind.Report(draft.id), item.kind)
            assertEquals(0u, item.attempts)
            assertEquals(emptyList(), repo.drafts(), "a submitted draft is no longer editable")
            // A queued draft takes no more attachments.
            assertThrows<PhanAnhException.InvalidState> { runBlocking { repo.addAttachment(draft.id, photo.path) } }
        }
        // Reopen the same storage: the outbox and the attachment are still there.
        RustCoreRepository.open(dir.path).use { repo ->
            val queued = repo.outbox().single()
            val draftId = (queued.kind as OutboxKind.Report).draftId
            val d = repo.draft(draftId)
            assertEquals(LocalState.Queued, d.state)
            assertEquals(photo.sha256Hex(), File(d.attachments.single().path).sha256Hex())
        }
    }

    @Test
    fun `bad input gives typed errors and loses nothing`() = runBlocking {
        RustCoreRepository.open(dir.path).use { repo ->
            val draft = repo.createDraft()
            val badId = assertThrows<PhanAnhException.Validation> { runBlocking { repo.draft("not-a-uuid") } }
            assertEquals("draft_id", badId.errors.single().field)
            assertEquals("validation", badId.code())

            val missing = assertThrows<PhanAnhException.NotFound> {
                runBlocking { repo.draft("01900000-0000-7000-8000-000000000000") }
            }
            assertEquals("not_found", missing.code())

            // Not a photo or video: refused by content, nothing attached.
            val media = assertThrows<PhanAnhException.Media> {
                runBlocking { repo.addAttachment(draft.id, File(TestEnv.photos, "manifest.json").path) }
            }
            assertEquals("media", media.code())
            assertThrows<PhanAnhException> { runBlocking { repo.addAttachment(draft.id, "/nonexistent/photo.jpg") } }
            assertEquals(emptyList(), repo.draft(draft.id).attachments)

            val unknown = repo.updateDraft(draft.id, listOf(DraftEdit.Category("khong_co")))
            assertEquals("khong_co", unknown.category)
            assertEquals(ValidationReason.UnknownCategory, repo.validateDraft(draft.id).single { it.field == "category" }.reason)
        }
    }

    @Test
    fun `a cancelled coroutine does not stop or tear a write`() = runBlocking {
        val photos = listOf("samsung_galaxy_s7_edge_SM-G935L.jpg", "apple_iphone_4s_orient6.jpg", "google_lg_nexus4.jpg")
            .map { TestEnv.photo(it) }
        RustCoreRepository.open(dir.path).use { repo ->
            val draft = repo.createDraft()
            // Start three multi-megabyte copies and cancel the callers straight away.
            val calls = photos.map { p ->
                async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { repo.addAttachment(draft.id, p.path) }
            }
            calls.forEach { it.cancel() }
            calls.forEach { runCatching { it.await() } }
            // The core finishes each started write as one unit: all three arrive, intact.
            val deadline = System.nanoTime() + 20_000_000_000
            var d = repo.draft(draft.id)
            while (d.attachments.size < photos.size && System.nanoTime() < deadline) {
                Thread.sleep(20)
                d = repo.draft(draft.id)
            }
            assertEquals(photos.map { it.sha256Hex() }.toSet(), d.attachments.map { it.sha256 }.toSet())
            for (a in d.attachments) assertEquals(a.sha256, File(a.path).sha256Hex(), a.originalName)
            val files = File(dir, "media").walkTopDown().filter { it.isFile }.map { it.canonicalPath }.toSet()
            assertEquals(d.attachments.map { File(it.path).canonicalPath }.toSet(), files, "no stray or partial files")
            assertFalse(files.any { it.endsWith(".part") })
        }
    }

    @Test
    fun `tenant config comes from the core`() {
        RustCoreRepository.open(dir.path).use { repo ->
            val cfg = repo.config()
            assertEquals("ha-tinh", cfg.tenantId)
            assertTrue(cfg.categories.any { it.nameVi == "Giao thông" })
            assertEquals(listOf(3, 2, 1), cfg.ratingScale.map { it.value.toInt() })
            assertIs<Boolean>(cfg.ratingScale.single { it.value.toInt() == 1 }.mayReopen)
            assertTrue(cfg.ratingScale.single { it.value.toInt() == 1 }.mayReopen)
        }
    }
}
