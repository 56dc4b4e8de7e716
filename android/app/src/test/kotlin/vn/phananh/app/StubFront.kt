package vn.phananh.app

import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.concurrent.Executors

/**
 * An HTTP front on 127.0.0.1 before the real stub: a subclass answers some requests itself
 * ([answer]); every other request (sign-in, uploads, reads) passes through to the stub unchanged.
 */
abstract class StubFront(protected val target: String) : AutoCloseable {
    private val server = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50)
    protected val client: HttpClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()
    val baseUrl = "http://127.0.0.1:${server.address.port}/"

    init {
        server.executor = Executors.newFixedThreadPool(4) { r -> Thread(r, "stub-front").apply { isDaemon = true } }
        server.createContext("/") { ex -> ex.use { handle(it) } }
        server.start()
    }

    /** Answers [ex] itself and returns true, or returns false to pass it to the stub. */
    protected abstract fun answer(ex: HttpExchange, body: ByteArray): Boolean

    protected fun respond(ex: HttpExchange, status: Int, contentType: String?, bytes: ByteArray) {
        contentType?.let { ex.responseHeaders.add("Content-Type", it) }
        ex.sendResponseHeaders(status, if (bytes.isEmpty()) -1 else bytes.size.toLong())
        if (bytes.isNotEmpty()) ex.responseBody.write(bytes)
    }

    private fun handle(ex: HttpExchange) {
        val body = ex.requestBody.readBytes()
        if (answer(ex, body)) return
        val uri = URI.create(target.trimEnd('/') + ex.requestURI.rawPath + (ex.requestURI.rawQuery?.let { "?$it" } ?: ""))
        val req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
            .method(ex.requestMethod, if (body.isEmpty()) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofByteArray(body))
        for ((name, values) in ex.requestHeaders) {
            if (name.lowercase() in HOP_BY_HOP) continue
            values.forEach { req.header(name, it) }
        }
        val resp = client.send(req.build(), HttpResponse.BodyHandlers.ofByteArray())
        for ((name, values) in resp.headers().map()) {
            if (name.lowercase() in HOP_BY_HOP || name.startsWith(":")) continue
            // The stub names its own origin in absolute links (a tus upload's Location); the
            // app talks to this front, and the core sends its token only to the API's origin.
            val own = target.trimEnd('/')
            values.forEach { v -> ex.responseHeaders.add(name, if (v.startsWith(own)) baseUrl.trimEnd('/') + v.removePrefix(own) else v) }
        }
        val bytes = resp.body()
        val noBody = ex.requestMethod == "HEAD" || resp.statusCode() == 204 || resp.statusCode() == 304 || bytes.isEmpty()
        ex.sendResponseHeaders(resp.statusCode(), if (noBody) -1 else bytes.size.toLong())
        if (!noBody) ex.responseBody.write(bytes)
    }

    override fun close() = server.stop(0)

    private companion object {
        /** Headers of one connection, or ones the JDK's client sets itself. */
        val HOP_BY_HOP = setOf("connection", "content-length", "host", "transfer-encoding", "expect", "upgrade", "keep-alive", "date")
    }
}
