package vn.phananh

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.security.MessageDigest
import java.time.Duration
import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import java.util.Base64
import kotlinx.coroutines.runBlocking

/**
 * The IOC officer of the [stub] (acts on every case; backend-stub/README.md) over the stub's
 * officer API, as plain HTTP: signs in with the OTP from the stub's log, uploads an "after"
 * photo over tus like the officers' app does, and works a case. JSON is written by hand (no JSON
 * library on this classpath); only `access_token` is read back.
 */
class StubOfficer(private val stub: StubProcess, phone: String = "+84980000011") {
    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
    private val token: String = runBlocking {
        val code = stub.otpFor { check(call("POST", "api/v1/auth/otp/request", """{"phone":"$phone"}""").first == 200) }
        val (status, body) = call("POST", "api/v1/auth/otp/verify", """{"phone":"$phone","code":"$code"}""")
        check(status == 200) { "verify $status $body" }
        Regex("\"access_token\"\\s*:\\s*\"([^\"]+)\"").find(body)!!.groupValues[1]
    }

    private fun call(method: String, path: String, json: String? = null, auth: Boolean = false): Pair<Int, String> {
        val b = HttpRequest.newBuilder(URI.create(stub.baseUrl + path)).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
        if (auth) b.header("Authorization", "Bearer $token")
        b.method(method, json?.let { HttpRequest.BodyPublishers.ofString(it) } ?: HttpRequest.BodyPublishers.noBody())
        val r = http.send(b.build(), HttpResponse.BodyHandlers.ofString())
        return r.statusCode() to r.body()
    }

    /** Uploads [photo] as a JPEG in one tus creation-with-upload request; the `media` entry of a case action. */
    fun upload(photo: File): String {
        val (url, sha) = tus(photo, "image/jpeg")
        return """{"upload_url":"$url","sha256":"$sha","kind":"photo","mime":"image/jpeg"}"""
    }

    /** Uploads an MP4 [video] and its JPEG [poster] frame; the `media` entry naming both. */
    fun uploadVideo(video: File, poster: File): String {
        val (url, sha) = tus(video, "video/mp4")
        val (posterUrl, posterSha) = tus(poster, "image/jpeg")
        return """{"upload_url":"$url","sha256":"$sha","kind":"video","mime":"video/mp4",""" +
            """"poster":{"upload_url":"$posterUrl","sha256":"$posterSha"}}"""
    }

    /** One tus creation-with-upload request: the upload URL and the file's SHA-256. */
    private fun tus(file: File, mime: String): Pair<String, String> {
        val bytes = file.readBytes()
        val b64 = { s: String -> Base64.getEncoder().encodeToString(s.toByteArray()) }
        val req = HttpRequest.newBuilder(URI.create(stub.baseUrl + "files/")).timeout(Duration.ofSeconds(20))
            .header("Authorization", "Bearer $token")
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

    /** Accepts, starts and resolves [caseId] with the uploaded [media] (none: resolved without a photo). */
    fun resolve(caseId: String, message: String, media: List<String> = emptyList()) {
        for (action in listOf("""{"action":"accept"}""", """{"action":"start"}""",
            """{"action":"resolve","message":"$message","media":[${media.joinToString(",")}]}""")) {
            val (status, body) = call("POST", "api/v1/officer/cases/$caseId/actions", action, auth = true)
            check(status == 200) { "$action on $caseId: $status $body" }
        }
    }

    /** One case action without a message or media ("accept", "start", "reject", ...). */
    fun act(caseId: String, action: String) {
        val (status, body) = call("POST", "api/v1/officer/cases/$caseId/actions", """{"action":"$action"}""", auth = true)
        check(status == 200) { "$action on $caseId: $status $body" }
    }

    /** Publishes a notice (`api/v1/officer/notices`, IOC staff); [notice] is the `NewNotice` JSON. Returns the response body. */
    fun publishNotice(notice: String): String {
        val (status, body) = call("POST", "api/v1/officer/notices", notice, auth = true)
        check(status == 201) { "publish notice: $status $body" }
        return body
    }

    companion object {
        /** Metres per degree of latitude (the mean Earth radius the core and the stub use). */
        const val M_PER_DEG_LAT = 111_195.08

        /**
         * A copy of the real GPS camera photo in [dir] whose EXIF says it was taken at
         * ([lat], [lon]) at [taken] (GPS time and camera time in UTC), rewritten by exiftool.
         */
        fun photoTakenAt(dir: File, lat: Double, lon: Double, taken: Instant): File {
            val out = File(dir, "after-${taken.epochSecond}.jpg")
            TestEnv.photo("nikon_coolpix_p6000_gps_DSCN0010.jpg").copyTo(out, overwrite = true)
            val t = taken.atOffset(ZoneOffset.UTC)
            val args = listOf(
                "exiftool", "-overwrite_original", "-q", "-gps:all=",
                "-GPSLatitude=$lat", "-GPSLatitudeRef=N", "-GPSLongitude=$lon", "-GPSLongitudeRef=E",
                "-DateTimeOriginal=${t.format(DateTimeFormatter.ofPattern("yyyy:MM:dd HH:mm:ss"))}", "-OffsetTimeOriginal=+00:00",
                "-GPSDateStamp=${t.format(DateTimeFormatter.ofPattern("yyyy:MM:dd"))}", "-GPSTimeStamp=${t.format(DateTimeFormatter.ofPattern("HH:mm:ss"))}",
                out.path,
            )
            val p = ProcessBuilder(args).redirectErrorStream(true).start()
            val log = p.inputStream.bufferedReader().readText()
            check(p.waitFor() == 0) { "exiftool: $log" }
            return out
        }
    }
}
