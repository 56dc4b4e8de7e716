package vn.phananh.app.camera

import android.Manifest
import android.annotation.SuppressLint
import android.content.Context
import android.content.pm.PackageManager
import androidx.camera.core.CameraSelector
import androidx.camera.core.ImageCapture
import androidx.camera.core.ImageCaptureException
import androidx.camera.core.Preview
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.video.FileOutputOptions
import androidx.camera.video.Quality
import androidx.camera.video.QualitySelector
import androidx.camera.video.Recorder
import androidx.camera.video.Recording
import androidx.camera.video.VideoCapture
import androidx.camera.video.VideoRecordEvent
import androidx.camera.view.PreviewView
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.systemBarsPadding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Close
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material3.Button
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import androidx.lifecycle.compose.LocalLifecycleOwner
import java.io.File
import java.util.UUID
import kotlinx.coroutines.delay
import vn.phananh.app.R

/**
 * In-app camera (CameraX): a photo, or a video stopped automatically at the province's limit.
 * Writes into the app's cache and hands the path back; the core copies it into its storage.
 */
@Composable
fun CameraCaptureScreen(mode: CaptureMode, maxVideoSeconds: Int, onCaptured: (String) -> Unit, onCancel: () -> Unit) {
    val context = LocalContext.current
    val lifecycleOwner = LocalLifecycleOwner.current
    var lensFacing by remember { mutableStateOf(CameraSelector.LENS_FACING_BACK) }
    var failed by remember { mutableStateOf(false) }
    var recording by remember { mutableStateOf<Recording?>(null) }
    var elapsed by remember { mutableIntStateOf(0) }
    val previewView = remember { PreviewView(context).apply { scaleType = PreviewView.ScaleType.FILL_CENTER } }
    val imageCapture = remember { ImageCapture.Builder().setCaptureMode(ImageCapture.CAPTURE_MODE_MINIMIZE_LATENCY).build() }
    val videoCapture = remember {
        // 720p is what is uploaded anyway; recording larger only wastes storage and transcoding time.
        VideoCapture.withOutput(Recorder.Builder().setQualitySelector(QualitySelector.from(Quality.HD)).build())
    }

    DisposableEffect(lensFacing) {
        val future = ProcessCameraProvider.getInstance(context)
        future.addListener({
            try {
                val provider = future.get()
                provider.unbindAll()
                val preview = Preview.Builder().build().also { it.setSurfaceProvider(previewView.surfaceProvider) }
                val selector = CameraSelector.Builder().requireLensFacing(lensFacing).build()
                val useCase = if (mode == CaptureMode.PHOTO) imageCapture else videoCapture
                provider.bindToLifecycle(lifecycleOwner, selector, preview, useCase)
            } catch (e: Exception) {
                failed = true
            }
        }, ContextCompat.getMainExecutor(context))
        onDispose { runCatching { future.get().unbindAll() } }
    }

    LaunchedEffect(recording) {
        elapsed = 0
        while (recording != null) {
            delay(1000)
            elapsed++
        }
    }

    Box(Modifier.fillMaxSize().background(Color.Black)) {
        AndroidView({ previewView }, Modifier.fillMaxSize())
        Row(Modifier.fillMaxWidth().systemBarsPadding().padding(8.dp), horizontalArrangement = Arrangement.SpaceBetween) {
            IconButton(onClick = { recording?.stop(); onCancel() }, modifier = Modifier.size(56.dp)) {
                Icon(Icons.Filled.Close, contentDescription = stringResource(vn.phananh.ui.R.string.action_close), tint = Color.White)
            }
            if (recording == null) {
                IconButton(onClick = {
                    lensFacing = if (lensFacing == CameraSelector.LENS_FACING_BACK) CameraSelector.LENS_FACING_FRONT else CameraSelector.LENS_FACING_BACK
                }, modifier = Modifier.size(56.dp)) {
                    Icon(Icons.Filled.Refresh, contentDescription = stringResource(R.string.camera_switch), tint = Color.White)
                }
            }
        }
        Column(Modifier.align(Alignment.BottomCenter).systemBarsPadding().padding(24.dp), horizontalAlignment = Alignment.CenterHorizontally) {
            if (failed) Text(stringResource(R.string.camera_unavailable), color = Color.White, style = MaterialTheme.typography.bodyLarge)
            if (recording != null) {
                Text(stringResource(R.string.camera_recording, elapsed, maxVideoSeconds), color = Color.White, style = MaterialTheme.typography.titleMedium)
            }
            when (mode) {
                CaptureMode.PHOTO -> Button(onClick = { takePhoto(context, imageCapture, onCaptured) { failed = true } }, modifier = Modifier.heightIn(min = 64.dp)) {
                    Text(stringResource(R.string.camera_shutter), style = MaterialTheme.typography.labelLarge)
                }
                CaptureMode.VIDEO -> Button(onClick = {
                    val active = recording
                    if (active != null) {
                        active.stop()
                    } else {
                        recording = startRecording(context, videoCapture, maxVideoSeconds, onDone = { path ->
                            recording = null
                            if (path != null) onCaptured(path) else failed = true
                        })
                    }
                }, modifier = Modifier.heightIn(min = 64.dp)) {
                    Text(stringResource(if (recording == null) R.string.camera_record else R.string.camera_stop), style = MaterialTheme.typography.labelLarge)
                }
            }
        }
    }
}

private fun captureFile(context: Context, ext: String): File =
    File(File(context.cacheDir, "captures").apply { mkdirs() }, "${UUID.randomUUID()}.$ext")

private fun takePhoto(context: Context, capture: ImageCapture, onSaved: (String) -> Unit, onError: () -> Unit) {
    val file = captureFile(context, "jpg")
    capture.takePicture(
        ImageCapture.OutputFileOptions.Builder(file).build(),
        ContextCompat.getMainExecutor(context),
        object : ImageCapture.OnImageSavedCallback {
            override fun onImageSaved(output: ImageCapture.OutputFileResults) = onSaved(file.absolutePath)
            override fun onError(exception: ImageCaptureException) {
                file.delete()
                onError()
            }
        },
    )
}

@SuppressLint("MissingPermission") // RECORD_AUDIO is checked just below; without it the video is silent
private fun startRecording(context: Context, capture: VideoCapture<Recorder>, maxSeconds: Int, onDone: (String?) -> Unit): Recording {
    val file = captureFile(context, "mp4")
    val options = FileOutputOptions.Builder(file).setDurationLimitMillis(maxSeconds * 1000L).build()
    val pending = capture.output.prepareRecording(context, options)
    val withSound = ContextCompat.checkSelfPermission(context, Manifest.permission.RECORD_AUDIO) == PackageManager.PERMISSION_GRANTED
    return (if (withSound) pending.withAudioEnabled() else pending).start(ContextCompat.getMainExecutor(context)) { event ->
        if (event is VideoRecordEvent.Finalize) {
            // Reaching the duration limit finalizes with ERROR_DURATION_LIMIT_REACHED: the file is good.
            val ok = !event.hasError() || event.error == VideoRecordEvent.Finalize.ERROR_DURATION_LIMIT_REACHED
            if (ok) onDone(file.absolutePath) else { file.delete(); onDone(null) }
        }
    }
}
