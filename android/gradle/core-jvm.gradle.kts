// Gradle view of android/core-jvm (built by Maven in CI): a plain JVM library with the
// repository, the view-models and the uniffi-generated Kotlin bindings (package vn.phananh.core),
// generated into build/generated/uniffi (never committed).
plugins {
    alias(libs.plugins.kotlin.jvm)
}

val rustRoot: File = rootProject.file(providers.gradleProperty("phananh.rustRoot").getOrElse(".."))
val generatedKotlin = layout.buildDirectory.dir("generated/uniffi/kotlin")

/**
 * The project's one generator script (scripts/gen-bindings.sh): builds the host library and runs
 * the workspace's uniffi-bindgen on it in library mode. Kotlin goes to this module's build dir;
 * the script also refreshes the (git-ignored) Swift bindings of ios/.
 */
val generateUniffiBindings by tasks.registering(Exec::class) {
    description = "Generates the Kotlin bindings (vn.phananh.core) from the core's metadata."
    workingDir = rustRoot
    inputs.dir(rustRoot.resolve("core/src"))
    inputs.dir(rustRoot.resolve("bindings/src"))
    inputs.file(rustRoot.resolve("Cargo.lock"))
    outputs.dir(generatedKotlin)
    environment("KOTLIN_OUT", generatedKotlin.get().asFile.absolutePath)
    commandLine("bash", "scripts/gen-bindings.sh")
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
