package vn.phananh.app

import com.sun.net.httpserver.HttpExchange
import java.net.URI
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.security.MessageDigest
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger
import org.json.JSONObject

/**
 * A front before the real stub standing for a province that has changed its configuration: it
 * serves the stub's own tenant config with [edit] applied, under its own strong ETag (a 304 for
 * a client that has it), and passes every other request through.
 */
class ConfigFront(target: String, private val edit: (JSONObject) -> Unit) : StubFront(target) {
    /** Config requests answered with a body, and with 304. */
    val served = AtomicInteger()
    val notModified = AtomicInteger()

    override fun answer(ex: HttpExchange, body: ByteArray): Boolean {
        if (ex.requestMethod != "GET" || ex.requestURI.path.trimEnd('/') != "/api/v1/config") return false
        val original = client.send(
            HttpRequest.newBuilder(URI.create(target.trimEnd('/') + "/api/v1/config")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString(),
        )
        check(original.statusCode() == 200) { "stub config ${original.statusCode()}" }
        val doc = JSONObject(original.body()).also(edit)
        val bytes = doc.toString().toByteArray()
        val etag = "\"" + MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }.take(32) + "\""
        ex.responseHeaders.add("ETag", etag)
        if (ex.requestHeaders.getFirst("If-None-Match")?.trim() == etag) {
            notModified.incrementAndGet()
            respond(ex, 304, null, ByteArray(0))
        } else {
            served.incrementAndGet()
            respond(ex, 200, "application/json", bytes)
        }
        return true
    }
}
