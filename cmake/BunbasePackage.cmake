# The CMake package an app outside this repository imports with find_package(bunbase):
# the layer libraries as bunbase::<layer> (an app links bunbase::bunbase), bunbase_add_app()
# and bunbase_add_app_test(), and the dependencies they need.
#
# Two copies are written. The build tree's, in <build>/lib/cmake/bunbase, points at this
# checkout (it is what `bunbase new` apps build against, and what the scaffold test uses). The
# installed one (`cmake --install build --prefix P`) lives in P/lib/cmake/bunbase with the
# headers in P/include and the libraries in P/lib. In both, the `bunbase` command sits in
# ../../../bin relative to the package, which is how it finds the package again.

get_property(bunbase_layers GLOBAL PROPERTY BUNBASE_LAYERS)
add_library(bunbase::bunbase ALIAS bunbase)

# The pkg-config modules the layers link (PREFIX:module, as pkg_check_modules was called).
set(BUNBASE_PKG_MODULES
    "SQLITE3:sqlite3 SODIUM:libsodium CURL:libcurl LIBPQ:libpq ZLIB:zlib BROTLIENC:libbrotlienc BROTLIDEC:libbrotlidec")
set(package_dir ${CMAKE_BINARY_DIR}/lib/cmake/bunbase)
set(config_template ${CMAKE_CURRENT_LIST_DIR}/bunbaseConfig.cmake.in)

# Build tree: the helpers are read from the source tree.
set(BUNBASE_HELPERS_DIR ${CMAKE_CURRENT_LIST_DIR})
configure_file(${config_template} ${package_dir}/bunbaseConfig.cmake @ONLY)
export(TARGETS ${bunbase_layers} NAMESPACE bunbase:: FILE ${package_dir}/bunbaseTargets.cmake)
include(CMakePackageConfigHelpers)
write_basic_package_version_file(${package_dir}/bunbaseConfigVersion.cmake COMPATIBILITY SameMinorVersion)

# Install tree: the helpers are copied beside the config.
set(BUNBASE_HELPERS_DIR "\${CMAKE_CURRENT_LIST_DIR}")
configure_file(${config_template} ${CMAKE_BINARY_DIR}/install/bunbaseConfig.cmake @ONLY)
install(TARGETS ${bunbase_layers} EXPORT bunbaseTargets ARCHIVE DESTINATION lib)
install(EXPORT bunbaseTargets NAMESPACE bunbase:: DESTINATION lib/cmake/bunbase)
install(DIRECTORY ${BUNBASE_ROOT}/include/bunbase DESTINATION include)
install(FILES ${CMAKE_BINARY_DIR}/install/bunbaseConfig.cmake ${package_dir}/bunbaseConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/BunbaseApp.cmake
        DESTINATION lib/cmake/bunbase)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/pch/json.hpp DESTINATION lib/cmake/bunbase/pch)
