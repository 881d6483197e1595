{
  "targets": [
    {
      "target_name": "bsdsock",
      "sources": [
        "native/sys/socket.cc",
        "native/sys/addr.cc",
        "native/sys/families.cc",
        "native/sys/names.cc",
        "native/sys/errnos.cc",
        "native/sys/mmsg.cc",
        "native/binding.cc",
        "native/calls.cc",
        "native/io.cc",
        "native/address.cc",
        "native/families.cc",
        "native/options.cc",
        "native/constants.cc",
        "native/resolve.cc",
        "native/multiplex.cc",
        "native/poller.cc",
        "native/names.cc",
        "native/msg.cc",
        "native/sendfile.cc",
        "native/errors.cc",
        "native/structs.cc",
        "native/mmsg.cc"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-fvisibility=hidden", "-Wall", "-Wextra", "-O2"],
      "xcode_settings": {
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "MACOSX_DEPLOYMENT_TARGET": "11.0",
        "OTHER_CPLUSPLUSFLAGS": ["-Wall", "-Wextra"]
      }
    }
  ]
}
