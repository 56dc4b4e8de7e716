package vn.phananh.app

import android.Manifest
import android.content.ContentProvider
import android.content.ContentValues
import android.content.Intent
import android.content.pm.PackageManager
import android.database.Cursor
import android.media.ExifInterface
import android.net.Uri
import android.os.ParcelFileDescriptor
import java.io.File
import java.nio.file.Files
import java.util.Collections
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.robolectric.Robolectric
import org.robolectric.Shadows.shadowOf
import vn.phananh.TestEnv
import vn.phananh.app.AppHarness.activity
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.eventually
import vn.phananh.app.AppHarness.has
import vn.phananh.app.AppHarness.text
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.R as UiR

/**
 * Android 10+ removes the GPS position from a shared photo unless the app holds
 * ACCESS_MEDIA_LOCATION and asks for the original. A MediaStore provider that does the same
 * (the original only for a `requireOriginal` URI, else a copy without GPS) stands for the
 * gallery: the app asks for the permission when the photo is picked, and with it granted the
 * photo's own position names the ward in the draft; refused, the photo comes without it.
 */
class MediaLocationTest : AppTest() {
    private val vi = AppLanguage.VI
    private fun t(id: Int, vararg args: Any) = text(vi, id, *args)
    private val photo = "synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg"
    private val item = Uri.parse("content://media/external/images/media/4711")

    private fun pickAndAnswerPermission(grant: Boolean) {
        AppHarness.configureApp(vi)
        AppHarness.signInDirectly(AppHarness.newPhone())
        RedactingMediaStore.files[item.path!!] = TestEnv.photo(photo)
        RedactingMediaStore.opened.clear()
        Robolectric.setupContentProvider(RedactingMediaStore::class.java, "media")
        // Location already allowed: the screen asks nothing at start (Android runs one permission
        // request at a time; on a phone the first one's dialog is modal, here it would stay open).
        shadowOf(AppHarness.app).grantPermissions(Manifest.permission.ACCESS_FINE_LOCATION)
        val scenario = launchApp()
        AppHarness.setNetwork(online = true)
        compose.clickText(t(UiR.string.home_new_report))
        val activity = scenario.activity<MainActivity>()
        compose.clickText(t(UiR.string.action_pick_gallery))
        AppHarness.answerLastRequest(scenario, data = Intent().setData(item))
        compose.waitForIdle()

        // The app asks for ACCESS_MEDIA_LOCATION now (the system's permission request), and has read nothing yet.
        val ask = eventually(10_000, compose) {
            shadowOf(activity).lastRequestedPermission?.takeIf { Manifest.permission.ACCESS_MEDIA_LOCATION in it.requestedPermissions }
        }
        assertTrue("nothing read before the answer: ${RedactingMediaStore.opened}", RedactingMediaStore.opened.isEmpty())
        if (grant) {
            shadowOf(AppHarness.app).grantPermissions(Manifest.permission.ACCESS_MEDIA_LOCATION)
            assertFalse("granted as the importer sees it", AppHarness.app.graph.importer.needsMediaLocation(listOf(item)))
        }
        @Suppress("DEPRECATION")
        activity.onRequestPermissionsResult(
            ask.requestCode, arrayOf(Manifest.permission.ACCESS_MEDIA_LOCATION),
            intArrayOf(if (grant) PackageManager.PERMISSION_GRANTED else PackageManager.PERMISSION_DENIED),
        )
        compose.waitForIdle()
    }

    @Test
    fun grantedThePickedPhotoKeepsItsPositionAndNamesTheWard() {
        pickAndAnswerPermission(grant = true)
        // Read through the original's URI.
        val read = eventually(30_000, compose) { RedactingMediaStore.opened.toList().takeIf { it.isNotEmpty() } }
        assertEquals("$read", "1", read.single().getQueryParameter("requireOriginal"))
        compose.waitForText(t(UiR.string.attachment_has_gps), timeoutMs = 30_000)
        compose.waitForText("Thành Sen", substring = true, timeoutMs = 30_000)
        val draft = eventually(20_000, compose) { kotlinx.coroutines.runBlocking { AppHarness.app.graph.repository.drafts() }.firstOrNull { it.attachments.isNotEmpty() } }
        assertNotNull("the photo's GPS reached the draft", draft.attachments.single().exifLocation)
        assertEquals("18073", eventually(20_000, compose) { kotlinx.coroutines.runBlocking { AppHarness.app.graph.repository.draft(draft.id) }.ward?.code })
    }

    @Test
    fun refusedThePhotoComesWithoutItsPosition() {
        pickAndAnswerPermission(grant = false)
        val draft = eventually(30_000, compose) { kotlinx.coroutines.runBlocking { AppHarness.app.graph.repository.drafts() }.firstOrNull { it.attachments.isNotEmpty() } }
        assertNull("redacted: no GPS", draft.attachments.single().exifLocation)
        val read = RedactingMediaStore.opened.single()
        assertNull(read.getQueryParameter("requireOriginal"))
        assertFalse(compose.has(t(UiR.string.attachment_has_gps)))
    }
}

/** A MediaStore stand-in that redacts GPS as Android 10+ does for apps without ACCESS_MEDIA_LOCATION. */
class RedactingMediaStore : ContentProvider() {
    companion object {
        val files = java.util.concurrent.ConcurrentHashMap<String, File>()
        val opened: MutableList<Uri> = Collections.synchronizedList(mutableListOf())
    }

    private fun original(uri: Uri): File = files[uri.path!!] ?: throw java.io.FileNotFoundException(uri.toString())

    private fun redacted(file: File): File {
        val copy = Files.createTempFile("redacted", ".jpg").toFile().also { it.deleteOnExit() }
        file.copyTo(copy, overwrite = true)
        val exif = ExifInterface(copy.path)
        for (tag in listOf(
            ExifInterface.TAG_GPS_LATITUDE, ExifInterface.TAG_GPS_LATITUDE_REF, ExifInterface.TAG_GPS_LONGITUDE,
            ExifInterface.TAG_GPS_LONGITUDE_REF, ExifInterface.TAG_GPS_ALTITUDE, ExifInterface.TAG_GPS_ALTITUDE_REF,
            ExifInterface.TAG_GPS_TIMESTAMP, ExifInterface.TAG_GPS_DATESTAMP,
        )) exif.setAttribute(tag, null)
        exif.saveAttributes()
        check(!ExifInterface(copy.path).getLatLong(FloatArray(2))) { "GPS still in the redacted copy" }
        return copy
    }

    override fun onCreate() = true
    override fun getType(uri: Uri) = "image/jpeg"
    override fun openFile(uri: Uri, mode: String): ParcelFileDescriptor {
        original(uri) // other MediaStore URIs (the system asks for some) are not this gallery's items
        opened += uri
        val file = if (uri.getQueryParameter("requireOriginal") == "1") original(uri) else redacted(original(uri))
        return ParcelFileDescriptor.open(file, ParcelFileDescriptor.MODE_READ_ONLY)
    }
    override fun query(uri: Uri, p: Array<out String>?, s: String?, a: Array<out String>?, o: String?): Cursor? = null
    override fun insert(uri: Uri, values: ContentValues?): Uri? = null
    override fun delete(uri: Uri, s: String?, a: Array<out String>?) = 0
    override fun update(uri: Uri, v: ContentValues?, s: String?, a: Array<out String>?) = 0
}
