console.log("differential");
