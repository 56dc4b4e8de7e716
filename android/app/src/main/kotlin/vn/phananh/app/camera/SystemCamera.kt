package vn.phananh.app.camera

import android.app.Activity
import android.content.Context
import android.content.Intent
import android.net.Uri
import android.provider.MediaStore
import androidx.activity.result.contract.ActivityResultContract
import androidx.core.content.FileProvider
import java.io.File
import java.util.UUID

/**
 * Capture through the phone's own camera app (ACTION_IMAGE_CAPTURE / ACTION_VIDEO_CAPTURE):
 * it writes into a file of ours, shared with it through [FileProvider] for the one request.
 * The in-app CameraX screen this replaces needs AARs that Maven Central does not serve (see
 * android/README.md: a Play build may bring it back); the system camera also needs no CAMERA
 * permission of our own.
 */
class CaptureTarget(val file: File, val uri: Uri)

object SystemCamera {
    /** A new empty file in the app's cache (res/xml/file_paths.xml: cache/captures). */
    fun newTarget(context: Context, mode: CaptureMode): CaptureTarget {
        val dir = File(context.cacheDir, "captures").apply { mkdirs() }
        val file = File(dir, "${UUID.randomUUID()}.${if (mode == CaptureMode.PHOTO) "jpg" else "mp4"}")
        val uri = FileProvider.getUriForFile(context, authority(context), file)
        return CaptureTarget(file, uri)
    }

    fun authority(context: Context) = "${context.packageName}.captures"
}

/**
 * Photo or video into [CaptureTarget.uri]; a video is stopped by the camera app at the
 * province's limit (EXTRA_DURATION_LIMIT). Result: whether the camera app reported success and
 * wrote something.
 */
class CaptureContract(private val mode: CaptureMode, private val maxVideoSeconds: Int) : ActivityResultContract<CaptureTarget, Boolean>() {
    private var target: CaptureTarget? = null

    override fun createIntent(context: Context, input: CaptureTarget): Intent {
        target = input
        val action = if (mode == CaptureMode.PHOTO) MediaStore.ACTION_IMAGE_CAPTURE else MediaStore.ACTION_VIDEO_CAPTURE
        return Intent(action).apply {
            putExtra(MediaStore.EXTRA_OUTPUT, input.uri)
            if (mode == CaptureMode.VIDEO) {
                putExtra(MediaStore.EXTRA_DURATION_LIMIT, maxVideoSeconds)
                putExtra(MediaStore.EXTRA_VIDEO_QUALITY, 1)
            }
            addFlags(Intent.FLAG_GRANT_WRITE_URI_PERMISSION or Intent.FLAG_GRANT_READ_URI_PERMISSION)
        }
    }

    override fun parseResult(resultCode: Int, intent: Intent?): Boolean =
        resultCode == Activity.RESULT_OK
}
