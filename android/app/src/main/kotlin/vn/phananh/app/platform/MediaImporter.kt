package vn.phananh.app.platform

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Build
import android.provider.MediaStore
import android.webkit.MimeTypeMap
import androidx.core.content.ContextCompat
import java.io.File
import java.io.IOException
import java.util.UUID
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/**
 * Copies what the photo picker (or the camera) returned into a private file the core can read.
 * The core then copies it into its own storage, so this temporary file is deleted afterwards.
 *
 * GPS inside picked photos: Android (10+) redacts the location of shared media unless the app
 * holds ACCESS_MEDIA_LOCATION and opens the item with [MediaStore.setRequireOriginal], which
 * only MediaStore URIs allow. The app asks for the permission when such an item is picked
 * ([needsMediaLocation]); without it, the device fix is the only position the core can offer.
 */
class MediaImporter(private val context: Context) {
    private val dir = File(context.cacheDir, "imports").apply { mkdirs() }

    suspend fun copyToPrivateFile(uri: Uri): File = withContext(Dispatchers.IO) {
        val resolver = context.contentResolver
        val source = originalIfAllowed(uri)
        val ext = MimeTypeMap.getSingleton().getExtensionFromMimeType(resolver.getType(uri)) ?: "bin"
        val out = File(dir, "${UUID.randomUUID()}.$ext")
        try {
            (resolver.openInputStream(source) ?: throw IOException("cannot open $uri")).use { input ->
                out.outputStream().use { input.copyTo(it) }
            }
        } catch (e: IOException) {
            out.delete()
            throw e
        }
        out
    }

    /**
     * True when some of [uris] could keep their GPS position if the app held
     * ACCESS_MEDIA_LOCATION, which it does not yet (Android 10+, MediaStore items).
     */
    fun needsMediaLocation(uris: List<Uri>): Boolean =
        Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q && !mediaLocationGranted() && uris.any { it.authority == MediaStore.AUTHORITY }

    private fun mediaLocationGranted() =
        ContextCompat.checkSelfPermission(context, Manifest.permission.ACCESS_MEDIA_LOCATION) == PackageManager.PERMISSION_GRANTED

    fun discard(file: File) {
        if (file.parentFile == dir) file.delete()
    }

    private fun originalIfAllowed(uri: Uri): Uri {
        if (Build.VERSION.SDK_INT < Build.VERSION_CODES.Q) return uri // not redacted before Android 10
        if (!mediaLocationGranted() || uri.authority != MediaStore.AUTHORITY) return uri
        return try {
            MediaStore.setRequireOriginal(uri)
        } catch (e: IllegalArgumentException) {
            uri
        }
    }
}
