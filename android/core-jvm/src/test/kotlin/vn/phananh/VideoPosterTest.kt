package vn.phananh

import java.io.File
import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import vn.phananh.core.DraftEdit
import vn.phananh.core.RemoteMediaKind
import vn.phananh.data.RustCoreRepository
import vn.phananh.presenter.toPhoto
import vn.phananh.ui.state.MediaResolution

/**
 * Issue 17 item 7 through the bindings: a server video's poster frame is what its thumbnail
 * shows. The stub's officer answers a real report with a video made by ffmpeg and its poster;
 * the resident's core (real SQLite, real stub over loopback) names `poster_url`, and the
 * repository hands the screens the poster's checked local copy, not the video.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VideoPosterTest {
    private lateinit var stub: StubProcess
    private lateinit var officer: StubOfficer

    @BeforeAll
    fun start() {
        stub = StubProcess()
        officer = StubOfficer(stub)
    }

    @AfterAll
    fun stop() = stub.close()

    private fun ffmpeg(vararg args: String) {
        val p = ProcessBuilder(listOf("ffmpeg", "-nostdin", "-loglevel", "error", "-y") + args).inheritIO().start()
        check(p.waitFor() == 0) { "ffmpeg ${args.toList()}" }
    }

    @Test
    fun `an answer video shows its poster frame, fetched and checked like a photo`() = runBlocking {
        val dir = TestEnv.tempDir("poster-")
        val video = File(dir, "answer.mp4")
        ffmpeg("-f", "lavfi", "-i", "testsrc=size=640x360:rate=15:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", video.path)
        val poster = File(dir, "poster.jpg")
        ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x180", "-frames:v", "1", poster.path)

        RustCoreRepository.open(TestEnv.tempDir("poster-core-").path, stub.baseUrl, TestEnv.boundaries.path).use { repo ->
            val code = stub.otpFor { repo.requestOtp("0913500001") }
            repo.signIn("0913500001", code)
            val d = repo.createDraft()
            repo.addAttachment(d.id, TestEnv.photo("apple_iphone_4s_orient6.jpg").path)
            repo.updateDraft(d.id, listOf(DraftEdit.Category("giao_thong"), DraftEdit.Description("Cột điện nghiêng trước chợ"), DraftEdit.Location(haTinhFix())))
            repo.submitDraft(d.id)
            assertEquals(1u, repo.runPending(Instant.now().plusSeconds(60)).delivered)
            repo.syncMyReports()
            val id = repo.myReports().single().id

            officer.resolve(id, "Đã dựng lại cột điện", listOf(officer.uploadVideo(video, poster)))
            repo.syncMyReports()
            val answer = repo.cachedReport(id)!!.timeline.flatMap { it.media }.single()
            assertEquals(RemoteMediaKind.VIDEO, answer.kind)
            assertNotNull(answer.posterUrl)
            assertTrue(answer.posterUrl!!.endsWith("/media/${answer.id}/poster"), answer.posterUrl)

            val remote = answer.toPhoto(keep = true).remote!!
            val thumb = remote.thumbnail
            assertEquals(answer.posterUrl, thumb.url)
            val shown = repo.mediaFile(thumb)
            assertIs<MediaResolution.File>(shown)
            // The poster as served (the stub stripped the still's comment segment), not the video.
            assertEquals(answer.posterSha256, File(shown.path).sha256Hex())
            assertEquals(answer.posterSizeBytes!!.toLong(), File(shown.path).length())
            assertTrue(File(shown.path).length() <= poster.length())
            assertTrue(File(shown.path).length() < answer.sizeBytes.toLong())

            // The resident's own photo has no poster: its thumbnail is the photo.
            val photo = repo.cachedReport(id)!!.media.single()
            assertNull(photo.posterUrl)
            val photoRemote = photo.toPhoto(keep = true).remote!!
            assertEquals(photoRemote, photoRemote.thumbnail)
        }
    }
}
