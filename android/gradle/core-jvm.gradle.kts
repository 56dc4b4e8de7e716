// Gradle view of android/core-jvm (built by Maven in CI): a plain JVM library with the
// repository, the view-models and the uniffi-generated Kotlin bindings (package vn.phananh.core).
// The bindings are generated here from a host build of the Rust library in uniffi's library
// mode, by the workspace's own bindings/uniffi-bindgen (so the generator and the library always
// have the same uniffi version). Output goes to build/generated/uniffi: never committed.
import org.gradle.internal.os.OperatingSystem

plugins {
    alias(libs.plugins.kotlin.jvm)
}

val rustRoot: File = rootProject.file(providers.gradleProperty("phananh.rustRoot").getOrElse(".."))
val generatedKotlin = layout.buildDirectory.dir("generated/uniffi/kotlin")
val hostLib = OperatingSystem.current().let { os ->
    when {
        os.isMacOsX -> "libphananh_ffi.dylib"
        os.isWindows -> "phananh_ffi.dll"
        else -> "libphananh_ffi.so"
    }
}

val buildHostLibrary by tasks.registering(Exec::class) {
    description = "Builds the Rust FFI library for this machine (input of the binding generator)."
    workingDir = rustRoot
    commandLine("cargo", "build", "--locked", "-p", "phananh-ffi")
    inputs.dir(rustRoot.resolve("core/src"))
    inputs.dir(rustRoot.resolve("bindings/src"))
    outputs.file(rustRoot.resolve("target/debug/$hostLib"))
}

val generateUniffiBindings by tasks.registering(Exec::class) {
    description = "Generates the Kotlin bindings (vn.phananh.core) from the library's metadata."
    dependsOn(buildHostLibrary)
    workingDir = rustRoot
    inputs.file(rustRoot.resolve("target/debug/$hostLib"))
    inputs.file(rustRoot.resolve("bindings/uniffi.toml"))
    outputs.dir(generatedKotlin)
    doFirst { generatedKotlin.get().asFile.deleteRecursively() }
    commandLine(
        "cargo", "run", "--locked", "-q", "-p", "uniffi-bindgen", "--",
        "generate", "--library", "target/debug/$hostLib",
        "--language", "kotlin",
        "--config", "bindings/uniffi.toml",
        "--out-dir", generatedKotlin.get().asFile.absolutePath,
    )
}

kotlin {
    jvmToolchain(17)
    sourceSets["main"].kotlin.srcDir(generatedKotlin)
}

tasks.named("compileKotlin") { dependsOn(generateUniffiBindings) }

dependencies {
    api(project(":ui-state"))
    api(libs.coroutines.core)
    // compileOnly: the app supplies JNA as an AAR (with its Android native dispatch libraries);
    // the plain jar would clash with it on Android.
    compileOnly(libs.jna)
    testImplementation(libs.jna)
    testImplementation(kotlin("test-junit5"))
}

tasks.test { useJUnitPlatform() }
