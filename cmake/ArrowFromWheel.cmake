# Finds Arrow C++ and Parquet: a system install (ArrowConfig.cmake) first, otherwise the
# libraries shipped inside the pinned pyarrow wheel of the project virtualenv.
# Either way the imported targets are Arrow::arrow_shared, ArrowCompute::arrow_compute_shared,
# ArrowS3::arrow_s3_shared (Arrow >= 24 keeps S3 in its own library),
# Parquet::parquet_shared and ArrowDataset::arrow_dataset_shared.
#
# The wheel has no CMake package and no unversioned lib*.so links (see shared/DEPENDENCIES.md),
# so we create lib*.so symlinks in the build tree and point an RPATH at the wheel.

find_package(Arrow CONFIG QUIET)
if(Arrow_FOUND)
  find_package(Parquet CONFIG REQUIRED)
  find_package(ArrowDataset CONFIG REQUIRED)
  find_package(ArrowCompute CONFIG QUIET)
  find_package(ArrowS3 CONFIG QUIET)
  foreach(_t ArrowCompute::arrow_compute_shared ArrowS3::arrow_s3_shared)
    if(NOT TARGET ${_t})
      add_library(${_t} INTERFACE IMPORTED)
    endif()
  endforeach()
  message(STATUS "pgtide: Arrow ${Arrow_VERSION} from the system")
  return()
endif()

set(PGTIDE_PYTHON "${CMAKE_SOURCE_DIR}/.venv/bin/python" CACHE FILEPATH
    "Python of the virtualenv that holds the pinned pyarrow wheel")
execute_process(
  COMMAND "${PGTIDE_PYTHON}" -c "import pyarrow, os; print(os.path.dirname(pyarrow.__file__))"
  OUTPUT_VARIABLE PYARROW_DIR OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _pa_rc)
if(NOT _pa_rc EQUAL 0 OR NOT EXISTS "${PYARROW_DIR}/include/arrow/api.h")
  message(FATAL_ERROR "Arrow C++ not found: no system ArrowConfig.cmake and no pyarrow wheel "
                      "under ${PGTIDE_PYTHON}. Run scripts/install-deps.sh first.")
endif()
message(STATUS "pgtide: Arrow C++ from the pyarrow wheel at ${PYARROW_DIR}")

set(_link_dir "${CMAKE_BINARY_DIR}/arrow-wheel-lib")
file(MAKE_DIRECTORY "${_link_dir}")

function(pgtide_wheel_target target libname)
  file(GLOB _candidates "${PYARROW_DIR}/lib${libname}.so.[0-9]*")
  list(FILTER _candidates EXCLUDE REGEX "\\.so\\.[0-9]+\\.[0-9]")
  list(GET _candidates 0 _versioned)
  if(NOT _versioned)
    message(FATAL_ERROR "lib${libname}.so.* not found in ${PYARROW_DIR}")
  endif()
  file(CREATE_LINK "${_versioned}" "${_link_dir}/lib${libname}.so" SYMBOLIC)
  add_library(${target} SHARED IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION "${_link_dir}/lib${libname}.so"
    IMPORTED_NO_SONAME FALSE
    INTERFACE_INCLUDE_DIRECTORIES "${PYARROW_DIR}/include")
endfunction()

pgtide_wheel_target(Arrow::arrow_shared arrow)
pgtide_wheel_target(ArrowCompute::arrow_compute_shared arrow_compute)
pgtide_wheel_target(ArrowS3::arrow_s3_shared arrow_s3)
pgtide_wheel_target(Parquet::parquet_shared parquet)
pgtide_wheel_target(ArrowAcero::arrow_acero_shared arrow_acero)
pgtide_wheel_target(ArrowDataset::arrow_dataset_shared arrow_dataset)
set(PGTIDE_ARROW_RPATH "${PYARROW_DIR}" CACHE INTERNAL "")
