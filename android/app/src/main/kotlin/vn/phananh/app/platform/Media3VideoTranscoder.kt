package vn.phananh.app.platform

import android.content.Context
import android.graphics.Bitmap
import android.media.MediaMetadataRetriever
import android.net.Uri
import android.os.Handler
import android.os.HandlerThread
import androidx.annotation.OptIn
import androidx.media3.common.MediaItem
import androidx.media3.common.Metadata
import androidx.media3.common.MimeTypes
import androidx.media3.common.util.UnstableApi
import androidx.media3.muxer.Muxer
import androidx.media3.effect.Presentation
import androidx.media3.transformer.AudioEncoderSettings
import androidx.media3.transformer.Composition
import androidx.media3.transformer.DefaultMuxer
import androidx.media3.transformer.DefaultEncoderFactory
import androidx.media3.transformer.EditedMediaItem
import androidx.media3.transformer.Effects
import androidx.media3.transformer.ExportException
import androidx.media3.transformer.ExportResult
import androidx.media3.transformer.Transformer
import androidx.media3.transformer.VideoEncoderSettings
import java.io.File
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.math.min
import kotlin.math.roundToInt
import vn.phananh.core.PlatformException
import vn.phananh.core.VideoTarget
import vn.phananh.core.VideoTranscoder

/**
 * The core's [VideoTranscoder] on Android: Media3 Transformer re-encodes to H.264 + AAC in MP4 with
 * the short edge at most `target.maxHeight`, rotation applied to the pixels, and the optional
 * trim, and no metadata: Transformer would carry the source's location (and capture time) into
 * the output, so its muxer is wrapped to drop every metadata entry. The core calls this from one
 * of its worker threads and waits; Transformer needs a Looper, so each job runs on its own
 * HandlerThread. The core inspects and verifies the output.
 */
@OptIn(UnstableApi::class)
class Media3VideoTranscoder(
    private val context: Context,
    private val timeoutMinutes: Long = 15,
) : VideoTranscoder {

    override fun transcode(src: String, dest: String, target: VideoTarget) {
        val (outW, outH) = outputSize(src, target.maxHeight.toInt())
        val clipping = MediaItem.ClippingConfiguration.Builder().apply {
            target.trimStartMs?.let { setStartPositionMs(it.toLong()) }
            target.trimEndMs?.let { setEndPositionMs(it.toLong()) }
        }.build()
        val item = EditedMediaItem.Builder(
            MediaItem.Builder().setUri(Uri.fromFile(File(src))).setClippingConfiguration(clipping).build(),
        ).setEffects(Effects(emptyList(), listOf(Presentation.createForWidthAndHeight(outW, outH, Presentation.LAYOUT_SCALE_TO_FIT))))
            .build()

        val thread = HandlerThread("phananh-transcode").apply { start() }
        val done = CountDownLatch(1)
        var failure: ExportException? = null
        var transformer: Transformer? = null
        try {
            Handler(thread.looper).post {
                transformer = Transformer.Builder(context)
                    .setLooper(thread.looper)
                    .setVideoMimeType(MimeTypes.VIDEO_H264)
                    .setAudioMimeType(MimeTypes.AUDIO_AAC)
                    .setMuxerFactory(MetadataFreeMuxerFactory(DefaultMuxer.Factory()))
                    .setEncoderFactory(
                        // Both rates bounded by the tenant's limits (the platform default for
                        // AAC is higher than a report needs); the core checks the file's size
                        // against them and asks once more, lower, if the encoder overshot.
                        DefaultEncoderFactory.Builder(context)
                            .setRequestedVideoEncoderSettings(
                                VideoEncoderSettings.Builder().setBitrate(target.videoKbps.toInt() * 1000).build(),
                            )
                            .setRequestedAudioEncoderSettings(
                                AudioEncoderSettings.Builder().setBitrate(target.audioKbps.toInt() * 1000).build(),
                            )
                            .build(),
                    )
                    .addListener(object : Transformer.Listener {
                        override fun onCompleted(composition: Composition, exportResult: ExportResult) = done.countDown()
                        override fun onError(composition: Composition, exportResult: ExportResult, exportException: ExportException) {
                            failure = exportException
                            done.countDown()
                        }
                    })
                    .build()
                    .also { it.start(item, dest) }
            }
            if (!done.await(timeoutMinutes, TimeUnit.MINUTES)) {
                Handler(thread.looper).post { transformer?.cancel() }
                File(dest).delete()
                throw PlatformException.Failed("transcode_timeout")
            }
            failure?.let {
                File(dest).delete()
                throw PlatformException.Failed("transcode_failed:${it.errorCodeName}")
            }
        } finally {
            thread.quitSafely()
        }
    }

    override fun posterFrame(src: String, destJpeg: String, atMs: ULong) {
        val retriever = MediaMetadataRetriever()
        try {
            retriever.setDataSource(src)
            // The frame at the time the core chose (microseconds), not the key frame before it
            // (often the first, dark frame); the first frame if the clip ends earlier.
            val frame = retriever.getFrameAtTime(atMs.toLong() * 1000, MediaMetadataRetriever.OPTION_CLOSEST)
                ?: retriever.getFrameAtTime(0, MediaMetadataRetriever.OPTION_CLOSEST_SYNC)
                ?: throw PlatformException.Failed("poster_no_frame")
            File(destJpeg).outputStream().use { out ->
                if (!frame.compress(Bitmap.CompressFormat.JPEG, 85, out)) throw PlatformException.Failed("poster_encode_failed")
            }
        } catch (e: RuntimeException) { // IllegalArgumentException / IllegalStateException from the retriever
            throw PlatformException.Failed("poster_unreadable")
        } finally {
            retriever.release()
        }
    }

    /** Upright output size: short edge ≤ [maxShortEdge], even dimensions, never upscaled. */
    private fun outputSize(src: String, maxShortEdge: Int): Pair<Int, Int> {
        val r = MediaMetadataRetriever()
        try {
            r.setDataSource(src)
            val w = r.extractMetadata(MediaMetadataRetriever.METADATA_KEY_VIDEO_WIDTH)?.toIntOrNull()
            val h = r.extractMetadata(MediaMetadataRetriever.METADATA_KEY_VIDEO_HEIGHT)?.toIntOrNull()
            val rotation = r.extractMetadata(MediaMetadataRetriever.METADATA_KEY_VIDEO_ROTATION)?.toIntOrNull() ?: 0
            if (w == null || h == null || w <= 0 || h <= 0) throw PlatformException.Failed("video_unreadable")
            val (dw, dh) = if (rotation % 180 == 0) w to h else h to w
            val scale = min(1.0, maxShortEdge.toDouble() / min(dw, dh))
            fun even(v: Double) = (v / 2).roundToInt() * 2
            return even(dw * scale) to even(dh * scale)
        } catch (e: IllegalArgumentException) {
            throw PlatformException.Failed("video_unreadable")
        } finally {
            r.release()
        }
    }
}

/** Muxers that write no metadata entries: no GPS position, device or time leaves the phone in a video. */
@OptIn(UnstableApi::class)
private class MetadataFreeMuxerFactory(private val inner: Muxer.Factory) : Muxer.Factory by inner {
    override fun create(path: String): Muxer = object : Muxer by inner.create(path) {
        override fun addMetadataEntry(entry: Metadata.Entry) = Unit
    }
}
