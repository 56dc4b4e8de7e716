package vn.phananh.app.platform

import android.content.ClipData
import android.content.Context
import android.content.Intent
import android.net.Uri
import androidx.core.content.FileProvider
import java.io.File
import vn.phananh.app.camera.SystemCamera

/**
 * Where "download my data" writes (app-private storage, shared through the app's
 * FileProvider, `exports/` in res/xml/file_paths.xml) and how the resident takes it out: one
 * share intent with every file of the export folder (data.json first, then the media), so the
 * system's share sheet can save them to Files or Drive, or attach them to a message.
 */
object DataExport {
    fun dir(context: Context): File = File(context.filesDir, "exports").apply { mkdirs() }

    /** The share intent for the export folder [path]; null when it is not one of ours or is empty. */
    fun shareIntent(context: Context, path: String, chooserTitle: String): Intent? {
        val root = dir(context).canonicalFile
        val folder = File(path).canonicalFile
        if (folder.parentFile != root || !folder.isDirectory) return null
        val files = folder.walkTopDown().filter { it.isFile }
            .sortedWith(compareBy<File>({ it.name != "data.json" }, { it.path })).toList()
        if (files.isEmpty()) return null
        val uris: List<Uri> = files.map { FileProvider.getUriForFile(context, SystemCamera.authority(context), it) }
        val send = Intent(Intent.ACTION_SEND_MULTIPLE).apply {
            type = "*/*"
            putParcelableArrayListExtra(Intent.EXTRA_STREAM, ArrayList(uris))
            // The grant reaches every item only through the clip data.
            clipData = ClipData.newUri(context.contentResolver, files.first().name, uris.first()).also { clip ->
                uris.drop(1).forEach { clip.addItem(ClipData.Item(it)) }
            }
            addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
        }
        return Intent.createChooser(send, chooserTitle)
    }
}
