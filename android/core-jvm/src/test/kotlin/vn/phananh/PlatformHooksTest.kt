package vn.phananh

import java.io.File
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import vn.phananh.core.ClientConfig
import vn.phananh.core.DraftEdit
import vn.phananh.core.FailureCode
import vn.phananh.core.ImageDecoder
import vn.phananh.core.LocalState
import vn.phananh.core.MediaKind
import vn.phananh.core.PlatformException
import vn.phananh.core.SecretStore
import vn.phananh.core.VideoTarget
import vn.phananh.core.VideoTranscoder
import vn.phananh.data.RustCoreRepository

/** Kotlin stand-ins for Keystore, the HEIC decoder and Media3 (command-line tools on the JVM). */
class MapSecretStore : SecretStore {
    val map = ConcurrentHashMap<String, String>()
    override fun get(key: String): String? = map[key]
    override fun set(key: String, value: String) { map[key] = value }
    override fun delete(key: String) { map.remove(key) }
}

private fun run(vararg cmd: String) {
    val p = ProcessBuilder(*cmd).redirectErrorStream(true).start()
    val out = p.inputStream.bufferedReader().readText()
    check(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) { "${cmd.first()} failed: $out" }
}

class HeifConvert(private val fail: Boolean = false) : ImageDecoder {
    val calls = AtomicInteger()
    override fun decodeToFile(src: String, dest: String, minLongEdge: UInt) {
        calls.incrementAndGet()
        if (fail) throw PlatformException.Failed("decoder unavailable")
        val tmp = "$dest.tmp.jpg"
        run("heif-convert", "--quiet", "-q", "92", src, tmp)
        check(File(tmp).renameTo(File(dest)))
    }
}

class FfmpegTranscoder : VideoTranscoder {
    val targets = mutableListOf<VideoTarget>()
    override fun transcode(src: String, dest: String, target: VideoTarget) {
        synchronized(targets) { targets += target }
        val h = target.maxHeight.toInt()
        run(
            "ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", src, "-map_metadata", "-1",
            "-vf", "scale='if(gte(iw,ih),-2,min(iw,$h))':'if(gte(iw,ih),min(ih,$h),-2)',format=yuv420p",
            "-c:v", "libx264", "-preset", "veryfast", "-b:v", "${target.videoKbps}k", "-c:a", "aac", "-ac", "2",
            "-b:a", "${target.audioKbps}k", "-movflags", "+faststart", "-f", "mp4", dest,
        )
    }
    override fun posterFrame(src: String, destJpeg: String, atMs: ULong) =
        run(
            "ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-ss", "%.3f".format(java.util.Locale.ROOT, atMs.toDouble() / 1000), "-i", src,
            "-frames:v", "1", "-q:v", "3", "-f", "image2", "-c:v", "mjpeg", destJpeg,
        )
}

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlatformHooksTest {
    private lateinit var stub: StubProcess

    @BeforeAll
    fun start() { stub = StubProcess() }

    @AfterAll
    fun stop() = stub.close()

    private fun open(dir: File, secrets: SecretStore, decoder: ImageDecoder? = null, transcoder: VideoTranscoder? = null) =
        RustCoreRepository.open(
            ClientConfig(
                dir.path, stub.baseUrl, boundariesDir = TestEnv.boundaries.path,
                secretStore = secrets, imageDecoder = decoder, videoTranscoder = transcoder,
            ),
        )

    private suspend fun signIn(repo: RustCoreRepository, phone: String) {
        repo.signIn(phone, stub.otpFor { repo.requestOtp(phone) })
    }

    private suspend fun draftWith(repo: RustCoreRepository, file: String): String {
        val d = repo.createDraft()
        repo.addAttachment(d.id, file)
        repo.updateDraft(d.id, listOf(DraftEdit.Category("trat_tu_do_thi"), DraftEdit.Description("Lấn chiếm vỉa hè bán hàng"), DraftEdit.Location(haTinhFix())))
        return d.id
    }

    @Test
    fun `session lives in the Kotlin secret store and survives a restart, and HEIC goes through the Kotlin decoder`() = runBlocking {
        val dir = TestEnv.tempDir("hooks-")
        val secrets = MapSecretStore()
        val heic = HeifConvert()
        open(dir, secrets, heic).use { repo ->
            signIn(repo, "0912000011")
            assertTrue(secrets.map.isNotEmpty(), "the core stored the session through the foreign trait")
            assertTrue(secrets.map.values.none { it.isBlank() })
        }
        // "App restarted": a new client over the same storage and the same secure store.
        open(dir, secrets, heic).use { repo ->
            assertTrue(repo.isSignedIn())
            val draftId = draftWith(repo, TestEnv.photo("apple_iphone_8.heic").path)
            assertEquals(MediaKind.PHOTO, repo.draft(draftId).attachments.single().kind)
            repo.submitDraft(draftId)
            assertEquals(1u, repo.runPending(Instant.now().plusSeconds(60)).delivered)
            assertTrue(heic.calls.get() >= 1, "the core asked Kotlin to decode the HEIC")
            assertTrue(repo.outbox().single().state == LocalState.Submitted)
            repo.signOut()
            assertTrue(secrets.map.isEmpty(), "sign-out clears the secure store")
        }
    }

    @Test
    fun `a throwing platform decoder fails that report with a media code, not the app`() = runBlocking {
        val secrets = MapSecretStore()
        open(TestEnv.tempDir("hooks-fail-"), secrets, HeifConvert(fail = true)).use { repo ->
            signIn(repo, "0912000012")
            val heicDraft = draftWith(repo, TestEnv.photo("apple_iphone_xr_orient6.heic").path)
            val heicItem = repo.submitDraft(heicDraft)
            val jpegItem = repo.submitDraft(draftWith(repo, TestEnv.photo("apple_iphone_4s_orient6.jpg").path))
            val run = repo.runPending(Instant.now().plusSeconds(60))
            assertEquals(1u, run.delivered, "the other report still goes")
            val snap = repo.client().outboxSnapshot()
            val failed = snap.entries.single { it.item.clientId == heicItem.clientId }
            val state = failed.item.state
            assertTrue(state is LocalState.Failed, "$state")
            assertEquals(FailureCode.MEDIA, (state as LocalState.Failed).failure.code)
            assertEquals(LocalState.Submitted, snap.entries.single { it.item.clientId == jpegItem.clientId }.item.state)
        }
    }

    @Test
    fun `video goes through the Kotlin transcoder with the tenant's target`() = runBlocking {
        val src = File(TestEnv.tempDir("video-"), "clip.mp4")
        run(
            "ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=3:size=1280x960:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:v", "libx264", "-preset", "ultrafast",
            "-c:a", "aac", "-shortest", src.path,
        )
        val transcoder = FfmpegTranscoder()
        open(TestEnv.tempDir("hooks-video-"), MapSecretStore(), transcoder = transcoder).use { repo ->
            signIn(repo, "0912000013")
            val draftId = draftWith(repo, src.path)
            assertEquals(MediaKind.VIDEO, repo.draft(draftId).attachments.single().kind)
            repo.submitDraft(draftId)
            assertEquals(1u, repo.runPending(Instant.now().plusSeconds(120)).delivered)
            val t = synchronized(transcoder.targets) { transcoder.targets.toList() }.first()
            val cfg = repo.config().media
            assertEquals(cfg.videoMaxHeight, t.maxHeight)
            assertEquals(cfg.videoBitrateKbps, t.videoKbps)
        }
    }
}
