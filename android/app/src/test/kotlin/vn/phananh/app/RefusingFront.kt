package vn.phananh.app

import com.sun.net.httpserver.HttpExchange
import java.util.concurrent.atomic.AtomicInteger

/**
 * A front before the real stub standing for a server whose rules have become stricter than the
 * app's: it answers `POST api/v1/reports` (the report itself) with 422 and an RFC 9457
 * problem, as the stub does for a field it refuses, and passes every other request through.
 */
class RefusingFront(target: String) : StubFront(target) {
    /** Report creations refused so far. */
    val refused = AtomicInteger()

    override fun answer(ex: HttpExchange, body: ByteArray): Boolean {
        if (ex.requestMethod != "POST" || ex.requestURI.path.trimEnd('/') != "/api/v1/reports") return false
        refused.incrementAndGet()
        val problem = """{"type":"urn:phananh:problem:validation","title":"Unprocessable Entity","status":422,""" +
            """"detail":"some fields are invalid","errors":[{"field":"description","reason":"too_short"}]}"""
        respond(ex, 422, "application/problem+json", problem.toByteArray())
        return true
    }
}
