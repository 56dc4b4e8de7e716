package vn.phananh.ui.android

import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.graphics.Matrix
import android.media.MediaMetadataRetriever
import android.util.LruCache
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.asImageBitmap
import androidx.exifinterface.media.ExifInterface
import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import vn.phananh.ui.ImageLoader

/**
 * Thumbnails for the screens: decodes off the main thread at a power-of-two subsample (never a
 * full-size bitmap on a cheap phone), turns the pixels upright from EXIF, and takes a frame for
 * videos. Keeps a small memory cache.
 */
class AndroidImageLoader(cacheBytes: Int = 16 * 1024 * 1024) : ImageLoader {
    private val cache = object : LruCache<String, Bitmap>(cacheBytes) {
        override fun sizeOf(key: String, value: Bitmap) = value.byteCount
    }

    override suspend fun load(path: String, maxSizePx: Int): ImageBitmap? = withContext(Dispatchers.IO) {
        val key = "$path@$maxSizePx"
        cache.get(key)?.let { return@withContext it.asImageBitmap() }
        val file = File(path)
        if (!file.isFile) return@withContext null
        val bitmap = if (isVideo(path)) videoFrame(path, maxSizePx) else photo(file, maxSizePx)
        bitmap?.also { cache.put(key, it) }?.asImageBitmap()
    }

    private fun isVideo(path: String) = path.substringAfterLast('.').lowercase() in setOf("mp4", "mov", "3gp", "webm", "mkv")

    private fun photo(file: File, maxSizePx: Int): Bitmap? {
        val bounds = BitmapFactory.Options().apply { inJustDecodeBounds = true }
        BitmapFactory.decodeFile(file.path, bounds)
        if (bounds.outWidth <= 0) return null
        var sample = 1
        while (minOf(bounds.outWidth, bounds.outHeight) / (sample * 2) >= maxSizePx) sample *= 2
        val decoded = BitmapFactory.decodeFile(file.path, BitmapFactory.Options().apply { inSampleSize = sample }) ?: return null
        val degrees = runCatching { ExifInterface(file.path).rotationDegrees }.getOrDefault(0)
        if (degrees == 0) return decoded
        return Bitmap.createBitmap(decoded, 0, 0, decoded.width, decoded.height, Matrix().apply { postRotate(degrees.toFloat()) }, true)
    }

    private fun videoFrame(path: String, maxSizePx: Int): Bitmap? {
        val r = MediaMetadataRetriever()
        return try {
            r.setDataSource(path)
            r.getScaledFrameAtTime(0, MediaMetadataRetriever.OPTION_CLOSEST_SYNC, maxSizePx, maxSizePx)
        } catch (e: RuntimeException) {
            null
        } finally {
            r.release()
        }
    }
}
