package vn.phananh.app

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.security.MessageDigest
import java.time.Duration
import java.time.Instant
import java.util.Base64
import java.util.UUID
import kotlinx.coroutines.runBlocking
import org.json.JSONArray
import org.json.JSONObject
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import vn.phananh.TestEnv
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.eventually
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.core.DraftEdit
import vn.phananh.data.RustCoreRepository
import vn.phananh.haTinhFix
import vn.phananh.presenter.toPhoto
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.state.MediaResolution
import vn.phananh.ui.state.MediaUnavailable

/**
 * Journey (issue 17 item 7): the officer answers a resident's report with a video (made by
 * ffmpeg) and its poster frame; the report detail shows the answer, and its thumbnail is the
 * poster: the app's sync run keeps the report's photo and the poster (byte counts exactly)
 * before any screen shows them, and never fetches the video (offline, the poster is still there and the video is not).
 */
class VideoPosterJourneyTest : AppTest() {
    private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    private fun ffmpeg(vararg args: String) {
        val p = ProcessBuilder(listOf("ffmpeg", "-nostdin", "-loglevel", "error", "-y") + args).inheritIO().start()
        check(p.waitFor() == 0) { "ffmpeg ${args.toList()}" }
    }

    /** One tus creation-with-upload as the officer: the upload URL and the file's SHA-256. */
    private fun tus(file: File, mime: String): Pair<String, String> {
        val bytes = file.readBytes()
        val b64 = { s: String -> Base64.getEncoder().encodeToString(s.toByteArray()) }
        val req = HttpRequest.newBuilder(URI.create(AppHarness.stub.baseUrl + "files/")).timeout(Duration.ofSeconds(20))
            .header("Authorization", "Bearer ${AppHarness.officerToken}")
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", bytes.size.toString())
            .header("Upload-Metadata", "filetype ${b64(mime)}")
            .header("Content-Type", "application/offset+octet-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build()
        val r = http.send(req, HttpResponse.BodyHandlers.ofString())
        check(r.statusCode() == 201) { "tus creation ${r.statusCode()} ${r.body()}" }
        val sha = MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }
        return r.headers().firstValue("location").get() to sha
    }

    @Test
    fun answerVideoShowsItsPosterAndTheVideoIsNeverFetchedForIt() {
        AppHarness.configureApp(AppLanguage.VI)
        AppHarness.signInDirectly(AppHarness.newPhone())
        launchApp()
        AppHarness.setNetwork(online = true)
        val marker = "POSTER-" + UUID.randomUUID().toString().take(8)
        val repo = AppHarness.app.graph.repository as RustCoreRepository
        runBlocking {
            val d = repo.createDraft()
            repo.addAttachment(d.id, TestEnv.photo("apple_iphone_4s_orient6.jpg").path)
            repo.updateDraft(d.id, listOf(DraftEdit.Category("giao_thong"), DraftEdit.Description("Cột điện nghiêng trước chợ. $marker"), DraftEdit.Location(haTinhFix())))
            repo.submitDraft(d.id)
            repo.runPending(Instant.now().plusSeconds(60))
        }
        val caseId = eventually(30_000, compose) { AppHarness.casesWith(marker).singleOrNull() }.getString("id")

        val dir = TestEnv.tempDir("poster-journey-")
        val video = File(dir, "answer.mp4")
        ffmpeg("-f", "lavfi", "-i", "testsrc=size=640x360:rate=15:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", video.path)
        val poster = File(dir, "poster.jpg")
        ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x180", "-frames:v", "1", poster.path)
        val (videoUrl, videoSha) = tus(video, "video/mp4")
        val (posterUrl, posterSha) = tus(poster, "image/jpeg")
        val media = JSONObject().put("upload_url", videoUrl).put("sha256", videoSha).put("kind", "video").put("mime", "video/mp4")
            .put("poster", JSONObject().put("upload_url", posterUrl).put("sha256", posterSha))
        AppHarness.officerAct(caseId, JSONObject().put("action", "accept"))
        AppHarness.officerAct(caseId, JSONObject().put("action", "start"))
        AppHarness.officerAct(caseId, JSONObject().put("action", "resolve").put("message", "Đã dựng lại cột. $marker").put("media", JSONArray().put(media)))

        // A sync run (the app's background job): the answer comes in, and the photo and the
        // poster are kept before any screen asked for them; the video is left for playing.
        runBlocking { AppHarness.app.graph.syncer.run(Instant.now().plusSeconds(60)) }
        val synced = runBlocking { repo.cachedReport(caseId)!! }
        val expected = synced.media.single().sizeBytes + synced.timeline.flatMap { it.media }.single().posterSizeBytes!!
        val afterSync = runBlocking { repo.client().mediaCacheUsage() }
        assertEquals("kept by the sync run: the photo and the poster", expected, afterSync.keptBytes)
        assertEquals(2uL, afterSync.files)
        compose.waitForText(marker, substring = true, timeoutMs = 30_000)
        compose.clickText(marker, substring = true)
        compose.waitForText("Đã dựng lại cột. $marker", timeoutMs = 30_000)
        // TalkBack reads the answer's thumbnail as the video it is, the report's as a photo.
        compose.waitForText(AppHarness.text(AppLanguage.VI, vn.phananh.ui.R.string.attachment_video_n, 1))
        compose.waitForText(AppHarness.text(AppLanguage.VI, vn.phananh.ui.R.string.attachment_photo_n, 1))

        val report = runBlocking { repo.cachedReport(caseId)!! }
        val answer = report.timeline.flatMap { it.media }.single()
        val photo = report.media.single()
        val posterBytes = answer.posterSizeBytes!!
        // The detail's thumbnails fetched the photo and the poster (kept: my report), nothing else.
        val usage = eventually(30_000, compose) {
            runBlocking { repo.client().mediaCacheUsage() }.takeIf { it.keptBytes >= photo.sizeBytes + posterBytes }
        }
        assertEquals(photo.sizeBytes + posterBytes, usage.keptBytes)
        assertEquals(2uL, usage.files)
        AppHarness.setNetwork(online = false)
        val remote = answer.toPhoto(keep = true).remote!!
        val shown = runBlocking { repo.mediaFile(remote.thumbnail) }
        assertTrue("the poster is on the phone: $shown", shown is MediaResolution.File)
        assertEquals(MediaResolution.Unavailable(MediaUnavailable.OFFLINE), runBlocking { repo.mediaFile(remote) })
    }
}
